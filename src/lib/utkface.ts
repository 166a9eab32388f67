// Labels from UTKFace file names, `age_gender_race_datetime.jpg.chip.jpg` (the same rules as
// training/agegender_train/dataset.py). Malformed names are reported, never guessed.

export const RACES = ['White', 'Black', 'Asian', 'Indian', 'Others'] as const;

export interface UtkFaceLabels {
  age: number;
  gender: 'male' | 'female';
  race: (typeof RACES)[number];
}

/** A well-formed name, shown as the example on the Dataset page. */
export const EXAMPLE_NAME = '35_1_0_20170109204500000.jpg.chip.jpg';

const NAME = /^(\d+)_(\d+)_(\d+)_(\d+)\.jpg\.chip\.jpg$/;
const MAX_AGE = 130;

/** Labels from a file name (a path is fine), or an Error saying what is wrong with it. */
export function parseUtkFaceName(path: string): UtkFaceLabels | Error {
  const base = path.split(/[\\/]/).pop() ?? path;
  const m = NAME.exec(base);
  if (!m) {
    const fields = base.split('_').length;
    return new Error(
      fields < 4
        ? `expected age_gender_race_datetime, found ${fields} fields`
        : 'does not match age_gender_race_datetime.jpg.chip.jpg',
    );
  }
  const [age, gender, race] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (age > MAX_AGE) return new Error(`age ${age} out of range 0..${MAX_AGE}`);
  if (gender > 1) return new Error(`gender ${gender} is neither 0 nor 1`);
  if (race > 4) return new Error(`race ${race} is not in 0..4`);
  return { age, gender: gender === 0 ? 'male' : 'female', race: RACES[race] };
}

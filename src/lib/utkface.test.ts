import { describe, expect, it } from 'vitest';
import { EXAMPLE_NAME, parseUtkFaceName } from './utkface';

describe('parseUtkFaceName', () => {
  it('reads age, gender and race from a path', () => {
    expect(parseUtkFaceName('x/26_1_3_20170117154624413.jpg.chip.jpg')).toEqual({
      age: 26,
      gender: 'female',
      race: 'Indian',
    });
    expect(parseUtkFaceName(EXAMPLE_NAME)).toEqual({ age: 35, gender: 'female', race: 'White' }); // the Dataset page's example
  });

  it.each([
    ['24_0_1_20170116220224657 .jpg.chip.jpg', 'does not match'],
    ['39_1_20170116174525125.jpg.chip.jpg', 'found 3 fields'],
    ['55_0_0_20170116232725357jpg.chip.jpg', 'does not match'],
    ['30_2_0_20170117154624413.jpg.chip.jpg', 'gender 2'],
    ['30_0_7_20170117154624413.jpg.chip.jpg', 'race 7'],
    ['999_0_0_20170117154624413.jpg.chip.jpg', 'age 999'],
  ])('rejects %s', (name, why) => {
    const result = parseUtkFaceName(name);
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toContain(why);
  });
});

// The prediction table people get from the CLI (and, later, the app's CSV export): one row per face.
export const CSV_COLUMNS = ['path', 'face', 'left', 'top', 'width', 'height', 'score', 'age', 'age_low', 'age_high',
  'gender', 'female_probability', 'error'] as const;

export type PredictionRow = Record<(typeof CSV_COLUMNS)[number], string | number | null>;

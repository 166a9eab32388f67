// The labelled real-photo sets of ../shared/data, as cut:faces cuts them and bench:real-photos measures them:
// each a folder with labels.csv (column `file`) and its photos, and what its labels measure.
export const REAL_SETS = {
  'fgnet-dev': { folder: 'real-photos/fgnet-dev', images: 'images', kind: 'scans' },
  'fairface-dev': { folder: 'real-photos/fairface-dev', images: 'images', kind: 'wild' },
  fairface: { folder: 'fairface', images: '', kind: 'wild' }, // its labels name images/N.jpg
  'all-age-faces': { folder: 'all-age-faces', images: '', kind: 'everyday' },
} as const;

export type RealSetName = keyof typeof REAL_SETS;

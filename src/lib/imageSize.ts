// One pixel policy for every reader of users' images (the browser's and the CLI's): a photo whose
// longer side is over MAX_SIDE is scaled down, keeping its aspect, until that side is MAX_SIDE.
// Faces are found on 128 px windows, so nothing larger helps, and a 12,000 px scan would take
// gigabytes as a float tensor.

export const MAX_SIDE = 4096;

/** The size an image of `width` x `height` is decoded at. */
export function decodedSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

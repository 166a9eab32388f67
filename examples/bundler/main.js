// agegender in an app built with a bundler. src/node/bundlers.test.ts builds this with Vite, webpack 5 and
// esbuild and runs it: Vite and webpack copy the package's model files into the build and load() finds
// them there; esbuild copies no assets, so serve a copy of node_modules/agegender/public/models/ and pass
// its URL: facesIn(image, { modelsUrl: '/models/' }).
import { load } from 'agegender';

/** Every face in an image (an <img>, a canvas, ImageData, ...), largest first. */
export async function facesIn(image, options = {}) {
  const analyzer = await load(options);
  try {
    return await analyzer.estimateFaces(image);
  } finally {
    analyzer.dispose();
  }
}

globalThis.agegenderExample = { facesIn };

// Every face in some photos, with the agegender package in Node:
//   npm install agegender && node estimate-faces.mjs photo.jpg [more.jpg ...]
// One line of JSON per photo: its faces, largest first, with the fields of the CLI's rows.
import { load } from 'agegender/node';

const analyzer = await load(); // tfjs WASM backend, the models shipped in the package
for (const path of process.argv.slice(2)) {
  try {
    const faces = await analyzer.estimateFaces(path);
    console.log(JSON.stringify({ path, faces: faces.map(({ box, score, age, ageLow, ageHigh, gender, femaleProbability }) =>
      ({ box, score, age, ageLow, ageHigh, gender, femaleProbability })) }));
  } catch (e) {
    console.log(JSON.stringify({ path, error: e.message })); // a file that is not an image, say
    process.exitCode = 1;
  }
}
analyzer.dispose();

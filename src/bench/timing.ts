/** Median wall time of `run` in milliseconds over `rounds` runs, after `warmups` untimed ones (kernels compiled, weights uploaded). */
export async function medianMs(rounds: number, run: () => Promise<unknown>, warmups = 1): Promise<number> {
  for (let i = 0; i < warmups; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/**
 * The seed of a scenario: `SIM_SEED` from the environment when set (to replay a run), else the
 * test's fixed default. Printed either way, so a failure can be replayed.
 */
export function scenarioSeed(name: string, fallback: number): number {
  const env = process.env.SIM_SEED;
  const seed = env !== undefined && env !== '' ? Number(env) : fallback;
  console.log(`[sim] ${name}: seed ${seed} (replay with SIM_SEED=${seed})`);
  return seed;
}

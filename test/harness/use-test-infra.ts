import { startTestInfra, type TestInfra } from './infra';

/** Starting two servers (initdb included) takes a few seconds; allow for a loaded CI machine. */
const INFRA_HOOK_TIMEOUT_MS = 60_000;

/**
 * Call at the top of a describe block: starts infra in beforeAll, stops it in afterAll, and
 * returns a getter usable inside tests.
 *
 *   const infra = useTestInfra();
 *   it('...', async () => { const nc = await connect({ servers: infra().natsUrl }); ... });
 */
export function useTestInfra(): () => TestInfra {
  let infra: TestInfra | undefined;
  beforeAll(async () => {
    infra = await startTestInfra();
  }, INFRA_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await infra?.stop();
  }, INFRA_HOOK_TIMEOUT_MS);
  return () => {
    if (infra === undefined) throw new Error('useTestInfra(): infra exists only inside tests, after beforeAll ran');
    return infra;
  };
}

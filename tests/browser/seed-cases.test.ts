import { it } from 'vitest';
import { createActivations } from 'webgpu-activations';
import { checkSeedCases } from '../support/seed-cases.ts';

for (const backend of ['webgpu', 'cpu'] as const) {
  it(`reproduces the shared seed cases on the ${backend} backend`, async () => {
    const act = await createActivations({ backend, poisonOutputs: true });
    try {
      await checkSeedCases(act, backend);
    } finally {
      act.destroy();
    }
  });
}

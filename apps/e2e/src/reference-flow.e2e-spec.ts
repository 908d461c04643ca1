import { describeReferenceFlow } from './reference-flow';
import { SystemUnderTest } from './system-under-test';

describeReferenceFlow('the API reference, played over HTTP against gateway, worker and simulator', () =>
  SystemUnderTest.start({ knobs: { rebootDurationMs: 1500 } }),
);

import { naturalCompare } from './natural-order';

it('orders node names naturally', () => {
  const names = ['worker-10.x', 'worker-2.x', 'haproxy-1.x', 'master-0.x', 'infra-0.x', 'haproxy-0.x', 'Worker-3.x'];
  expect([...names].sort(naturalCompare)).toEqual([
    'haproxy-0.x',
    'haproxy-1.x',
    'infra-0.x',
    'master-0.x',
    'worker-2.x',
    'Worker-3.x',
    'worker-10.x',
  ]);
});

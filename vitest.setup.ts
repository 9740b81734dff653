import { afterAll } from 'vitest';
import { killStartedSidecars } from './sidecar/test/helpers/spawn-sidecar';

// A sidecar a timed-out test started is killed with its file's end, not left running through the rest of the run.
afterAll(killStartedSidecars);

// The CI reader the map uses (see ciPushes.ts): kept apart so collect.ts stays free of it.
import type { CiReader } from './collect';
import { ciPushes } from './ciPushes';

export const readCiPushes: CiReader = ciPushes;

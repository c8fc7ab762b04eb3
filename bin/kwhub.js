#!/usr/bin/env node
// V8 pretenures objects from allocation sites whose objects survived often. After a few
// large answers (a year at 15T) that marks sites shared with every request, and small
// requests then fill the old generation: a third less throughput until restart. Set
// before anything is allocated; the import and the large answers are not slower without it.
import { setFlagsFromString } from 'node:v8';
setFlagsFromString('--no-allocation-site-pretenuring');
await import('../dist/cli/main.js');

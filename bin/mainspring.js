#!/usr/bin/env node
// The `mainspring` executable: runs the compiled command line (npm ci builds dist/).
import { run } from '../dist/cli.js';

run();

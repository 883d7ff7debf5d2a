#!/usr/bin/env node
import { main } from '../dist/orchestrator/daemon/main.js';

main(process.argv.slice(2));

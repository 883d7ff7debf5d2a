#!/usr/bin/env node
import { main } from '../dist/server/cli/main.js';

main(process.argv.slice(2));

#!/usr/bin/env node
import { main } from '../dist/bundles/swarmd/swarmd.js';

main(process.argv.slice(2));

#!/usr/bin/env node
import { main } from '../dist/bundles/cli/docker.js';

main(process.argv.slice(2));

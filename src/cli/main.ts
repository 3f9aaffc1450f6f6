#!/usr/bin/env node
console.log('acesim');

// A simulation worker (run-pool.ts) that exits at once with code 3, before
// answering anything: a thread that could not start its work.
process.exit(3);

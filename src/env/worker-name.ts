import os from 'node:os';

/** hostname:pid, how logs, trial records and events name the process that did something. */
export const workerName = `${os.hostname()}:${process.pid}`;

// What the live event stream changes in the campaign page's trials (a map by number).

/**
 * Applies one event to the trials. Events after the page's snapshot are replayed: a trial the
 * page already has is not made anew by its proposal.
 */
export function applyTrialEvent(trials, e) {
  const t = trials.get(e.trial);
  switch (e.type) {
    case 'proposal':
      if (!t)
        trials.set(e.trial, {
          number: e.trial,
          state: 'queued',
          config: e.config,
          source: e.source,
          reason: e.reason,
        });
      break;
    case 'trial.started':
      if (t) Object.assign(t, { state: 'running', startedAt: e.at, worker: e.worker });
      break;
    case 'trial.finished':
      if (t)
        Object.assign(t, {
          state: 'completed',
          finishedAt: e.at,
          value: e.value,
          seconds: e.seconds,
          epochsRun: e.epochs,
        });
      break;
    case 'trial.pruned':
      if (t)
        Object.assign(t, { state: 'pruned', finishedAt: e.at, value: e.value, epochsRun: e.epoch });
      break;
    case 'trial.failed':
      if (t && e.final) Object.assign(t, { state: 'failed', finishedAt: e.at, value: null });
      break;
    case 'trial.cancelled':
      if (t) t.state = 'cancelled';
      break;
  }
}

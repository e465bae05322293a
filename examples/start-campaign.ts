/**
 * A campaign from a script, in this process: `npx tsx examples/start-campaign.ts`.
 * (With a server, `new LgtClient({ url, token }).startCampaign(request)` answers the same handle.)
 */
import { startCampaign } from 'lgt';

const campaign = await startCampaign({
  task: { kind: 'builtin', name: 'iris' },
  maxTrials: 4,
  epochs: 20,
});
for await (const event of campaign.events()) {
  if (event.type === 'trial.finished') console.log(`trial ${event.trial}: ${event.value}`);
}
const report = await campaign.result();
console.log(`best: trial ${report.best?.trial} ${JSON.stringify(report.best?.config)}`);

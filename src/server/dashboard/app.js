// The lgt dashboard: plain ES modules, no build step. Everything shown comes from the API
// (the same overview `lgt status` prints); text from trials and agents is set as text, never
// parsed as HTML. This module routes: each page is a module of its own.
import { campaignPage } from '/dashboard/campaign-page.js';
import { comparePage } from '/dashboard/compare-page.js';
import { listPage } from '/dashboard/list-page.js';
import { showError } from '/dashboard/page-kit.js';
import { trialPage } from '/dashboard/trial-page.js';

const tokenInput = document.getElementById('token');
tokenInput.value = localStorage.getItem('lgt-token') ?? '';
tokenInput.addEventListener('change', () =>
  localStorage.setItem('lgt-token', tokenInput.value.trim()),
);

let cleanup = () => {};

async function route() {
  cleanup();
  cleanup = () => {};
  showError('');
  const m = /^#\/c\/([a-z0-9-]+)$/.exec(location.hash);
  const trial = /^#\/c\/([a-z0-9-]+)\/t\/(\d+)$/.exec(location.hash);
  const compare = /^#\/compare\/([a-z0-9-]+(?:,[a-z0-9-]+)+)$/.exec(location.hash);
  try {
    cleanup =
      (compare
        ? await comparePage(compare[1].split(','))
        : trial
          ? await trialPage(trial[1], Number(trial[2]))
          : m
            ? await campaignPage(m[1])
            : await listPage()) ?? (() => {});
  } catch (err) {
    showError(err.message);
  }
}

window.addEventListener('hashchange', route);
route();

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PACKAGE_ROOT } from '../env/package-root.ts';

// The pages are not compiled: the build (dist/) serves them from the sources.
const DASHBOARD_DIR = path.join(PACKAGE_ROOT, 'src/server/dashboard');
const UPLOT_DIR = path.dirname(createRequire(import.meta.url).resolve('uplot'));

/**
 * The dashboard's files: a fixed list, served as they are (plain HTML, CSS and ES modules, and
 * uPlot from node_modules: no build step). A request never names a file path.
 */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(DASHBOARD_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  // The pages' ES modules, each served from its file of the same name.
  ...Object.fromEntries(
    [
      'app',
      'page-kit',
      'list-page',
      'campaign-page',
      'campaign-panels',
      'conversation',
      'trials-table',
      'run-panel',
      'trade-off-panel',
      'trial-events',
      'trial-page',
      'compare-page',
      'charts',
      'scale',
    ].map((name) => [
      `/dashboard/${name}.js`,
      { file: path.join(DASHBOARD_DIR, `${name}.js`), type: 'text/javascript; charset=utf-8' },
    ]),
  ),
  // The command line's own module (plain JavaScript), so the page writes numbers and times by
  // the same rules, not by a copy of them.
  '/dashboard/format.js': {
    file: path.join(PACKAGE_ROOT, 'src/format/display-format.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/dashboard/style.css': {
    file: path.join(DASHBOARD_DIR, 'style.css'),
    type: 'text/css; charset=utf-8',
  },
  '/dashboard/vendor/uPlot.esm.js': {
    file: path.join(UPLOT_DIR, 'uPlot.esm.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/dashboard/vendor/uPlot.min.css': {
    file: path.join(UPLOT_DIR, 'uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

export function registerDashboardRoutes(app: FastifyInstance): void {
  for (const [url, { file, type }] of Object.entries(FILES)) {
    app.get(url, { schema: { hide: true } }, async (_req, reply) => {
      void reply
        .header('content-type', type)
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
        );
      return readFile(file);
    });
  }
}

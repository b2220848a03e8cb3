import type { ComponentType } from 'react';
import type { Messages } from './i18n/en';
import { JobPage } from './pages/job-page';
import { JobsPage } from './pages/jobs-page';
import { NewJobPage } from './pages/new-job-page';
import { ProvidersPage } from './pages/providers-page';
import { QuotasPage } from './pages/quotas-page';

/** One page of the dashboard: its path (wouter syntax) and, if it has one, its entry in the navigation. */
export interface PageDef {
  readonly path: string;
  readonly component: ComponentType;
  /** The navigation label's key in `m.nav`; pages without one are reached by links (a job). */
  readonly nav?: keyof Messages['nav'];
}

/**
 * Every page. A new page (notifications, once they exist) is one entry here and its label in
 * `nav` of en.ts and fr.ts.
 */
export const pages: readonly PageDef[] = [
  { path: '/jobs', component: JobsPage, nav: 'jobs' },
  { path: '/jobs/:id', component: JobPage },
  { path: '/new', component: NewJobPage, nav: 'newJob' },
  { path: '/quotas', component: QuotasPage, nav: 'quotas' },
  { path: '/providers', component: ProvidersPage, nav: 'providers' },
];

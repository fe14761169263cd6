/**
 * Every page of the site, in the order of the navigation.
 *
 * @module
 */

import type { Page } from '../pages.ts';
import { page as cart } from './cart.ts';
import { page as colour } from './colour.ts';
import { page as cookieVisits } from './cookie-visits.ts';
import { page as expiry } from './expiry.ts';
import { page as home } from './home.ts';
import { page as language } from './language.ts';
import { page as lastVisit } from './last-visit.ts';
import { page as login } from './login.ts';
import { page as name } from './name.ts';
import { page as signed } from './signed.ts';
import { page as testCookie } from './test-cookie.ts';
import { page as theme } from './theme.ts';
import { page as visits } from './visits.ts';

/** The pages, as the navigation lists them. */
export const PAGES: readonly Page[] = [
  home,
  visits,
  colour,
  language,
  cart,
  lastVisit,
  expiry,
  testCookie,
  theme,
  name,
  cookieVisits,
  signed,
  login,
];

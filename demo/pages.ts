/**
 * What every tutorial page declares (demo/routes/, one module each), and how the site reads
 * the source of its views once, at startup, to show it beside the live example.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Router } from 'express';

/** The groups of the navigation, in order. */
export const GROUPS = ['Start', 'Sessions', 'Cookies', 'Logging in'] as const;

/** One tutorial page: its place in the navigation, its routes, and which views to show. */
export interface Page {
  /** The URL the navigation links to. */
  path: string;
  title: string;
  group: (typeof GROUPS)[number];
  /** One line for the home page's list. */
  summary: string;
  /** The names of the functions in the module whose source the page shows. */
  views: string[];
  /** The module's own URL (`import.meta.url`), to read those functions from. */
  module: string;
  /** Source from another module to show too (the home page shows how the site is wired). */
  also?: { module: string; views: string[] };
  /** The templates whose `example` block the page shows beside the views. */
  templates: string[];
  /** Adds the page's routes. */
  mount(router: Router): void;
}

/** A piece of source shown on a page. */
export interface Snippet {
  title: string;
  code: string;
}

/**
 * The source of each named top-level function in a module, with the comment lines right
 * above it. Functions are found by their declaration line and end at the first line that is
 * a lone `}`, which is how the formatter ends every top-level function.
 */
export function functionSources(moduleUrl: string, names: readonly string[]): Snippet[] {
  const lines = readFileSync(fileURLToPath(moduleUrl), 'utf8').split('\n');
  return names.map((name) => {
    const declaration = new RegExp(`^(export )?(async )?function ${name}\\b`);
    let start = lines.findIndex((line) => declaration.test(line));
    if (start === -1) throw new Error(`${moduleUrl} has no top-level function ${name}`);
    const end = lines.indexOf('}', start);
    while (start > 0 && /^\s*(\/\/|\/\*\*|\*)/.test(lines[start - 1] ?? '')) start--;
    return { title: `${name}()`, code: lines.slice(start, end + 1).join('\n') };
  });
}

/** The `example` block of a template: what the page's live example is drawn from. */
export function templateExample(path: string): Snippet {
  const text = readFileSync(path, 'utf8');
  const match = /\{% block example %\}\n?([\s\S]*?)\{% endblock %\}/.exec(text);
  const body = match?.[1] ?? text;
  // Shown without the indentation the block has inside the layout.
  const indent = Math.min(
    ...body
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => /^ */.exec(line)?.[0].length ?? 0),
  );
  const code = body
    .split('\n')
    .map((line) => line.slice(indent))
    .join('\n')
    .trimEnd();
  return { title: path.split('/').pop() ?? path, code };
}

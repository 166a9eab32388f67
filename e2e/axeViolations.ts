import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

/** axe's findings on the page: WCAG 2.2 AA's rules, or with `everyRule` axe's best practices too (empty-table-header is one). */
export async function axeViolations(page: Page, everyRule = false): Promise<string[]> {
  const axe = new AxeBuilder({ page });
  const { violations } = await (
    everyRule ? axe : axe.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
  ).analyze();
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/**
 * Findings about results nobody takes. A backend that BLPOPs its result list
 * keeps it empty, so a list that was non-empty and still grew during the
 * sample, or that is simply very long, has no consumer keeping up.
 */
import type { ChannelFacts, DoctorFacts, ResultListFacts } from './facts.js';
import type { Finding } from './findings.js';
import { count } from './wording.js';

/** A result list this long is reported even without a sample. */
export const RESULTS_LARGE = 1000;

export function judgeResults(facts: DoctorFacts): Finding[] {
  return facts.results.flatMap((list) => {
    const growing = facts.sampleMs > 0 && list.grewBy > 0 && list.depth - list.grewBy > 0;
    if (!growing && list.depth < RESULTS_LARGE) return [];

    const growth = growing ? ` and grew by ${list.grewBy} during the sample` : '';
    return [
      {
        severity: 'warning' as const,
        code: 'RESULTS_UNCONSUMED' as const,
        message:
          `'${list.key}' holds ${count(list.depth, 'result')}${growth}: nobody seems to ` +
          `pop it (a backend would BLPOP '${list.key}'). ${channelsText(facts, list)}`,
        keys: [list.key],
      },
    ];
  });
}

/** The channels the workers that fill this list publish on, and who listens there. */
function channelsText(facts: DoctorFacts, list: ResultListFacts): string {
  const writers = facts.queues.flatMap((q) => q.workers).filter((w) => w.results === list.key);
  const names = new Set(writers.map((w) => w.channel).filter((c) => c !== undefined));
  const channels: ChannelFacts[] = facts.channels.filter((c) => names.has(c.name));
  const shown = channels.length > 0 ? channels : facts.channels.slice(0, 1);
  return shown
    .map((channel) => {
      if (channel.subscribers === undefined) return `Subscribers of '${channel.name}' unknown.`;
      if (channel.subscribers === 0) {
        return `Nobody is subscribed to '${channel.name}' either, so live results go unheard too.`;
      }
      return (
        `'${channel.name}' has ${count(channel.subscribers, 'live subscriber')}: if the ` +
        'backend reads results there, the list only grows; trim it, or point --results at ' +
        'a list someone pops.'
      );
    })
    .join(' ');
}

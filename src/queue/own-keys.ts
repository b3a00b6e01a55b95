/**
 * The keys the workers of one queue read or keep for themselves, named for
 * a producer. A task's `reply_to` must name none of them: a result pushed
 * onto the queue is taken back as a task and, its status key already final,
 * acknowledged without a word, so the result is gone; one pushed onto a
 * processing list, the dead-letter list or a status key corrupts the
 * bookkeeping there.
 */
import type { QueueKeys } from './keys.js';

/** What `key` is to the workers of this queue ("the task queue"), or undefined when it is none of theirs. */
export function describeOwnKey(keys: QueueKeys, key: string): string | undefined {
  const whole: Array<[string, string]> = [
    [keys.queue, 'the task queue'],
    [keys.dead, 'the dead-letter list'],
    [keys.deliveries, 'the delivery-count hash'],
    [keys.firstSeen, 'the first-seen hash'],
    [keys.openSessions, 'the open-session index'],
  ];
  // Each family's name with an empty id is the prefix all of its keys share.
  const families: Array<[string, string]> = [
    [keys.processing(''), 'a processing list'],
    [keys.status(''), 'a task status key'],
    [keys.publishing(''), 'a publishing marker'],
    [keys.answered(''), 'an answered-task fingerprint'],
    [keys.session(''), 'a session state'],
    [keys.sessionStatus(''), 'a session status key'],
    [keys.heartbeat(''), 'a worker heartbeat'],
  ];
  return (
    whole.find(([name]) => key === name)?.[1] ??
    families.find(([prefix]) => key.startsWith(prefix))?.[1]
  );
}

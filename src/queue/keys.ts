/**
 * The one place that derives Redis key names from the queue key. Everything
 * that belongs to one queue carries the queue key as a hash tag, so it all
 * lives in one Redis Cluster slot and can be changed in one MULTI.
 *
 * Consumer, publisher, heartbeats and doctor all ask this module, so the
 * names they use can never drift apart.
 */
export interface QueueKeys {
  /** The list producers RPUSH tasks onto. */
  queue: string;
  /** Where tasks that cannot be processed go, with the reason. */
  dead: string;
  /** Delivery counts per task (a hash: task fingerprint -> count). */
  deliveries: string;
  /** Tasks this worker has taken and not yet answered. */
  processing(workerId: string): string;
  /** Pattern matching every worker's processing list. */
  processingPattern: string;
  /** A task's status, for a UI that polls. */
  status(taskId: string): string;
  /** On a Cluster: marks a result stored but not yet pushed and published. */
  publishing(taskId: string): string;
  /**
   * The fingerprint of the delivery a task's final result answers, kept as
   * long as the status key: tells a repeat delivery from a reused task_id.
   */
  answered(taskId: string): string;
  /** When the pool first took each task that carried no enqueued_at (hash: task id -> ms). */
  firstSeen: string;
  /** A session's state: its chunks' entries and the ordered transcript so far (a hash). */
  session(sessionId: string): string;
  /** A session's latest message (update, complete or incomplete), for a UI that polls. */
  sessionStatus(sessionId: string): string;
  /** Open sessions by last activity (a sorted set: session id -> ms), for idle expiry. */
  openSessions: string;
  /** A worker's heartbeat, with a short TTL. */
  heartbeat(workerId: string): string;
  /** Pattern matching every worker's heartbeat. */
  heartbeatPattern: string;
}

export function queueKeys(queue: string): QueueKeys {
  const tag = `{${queue}}`;
  return {
    queue,
    dead: `${tag}:dead`,
    deliveries: `${tag}:deliveries`,
    processing: (workerId) => `${tag}:processing:${workerId}`,
    processingPattern: `${tag}:processing:*`,
    status: (taskId) => `${tag}:task:${taskId}`,
    publishing: (taskId) => `${tag}:publishing:${taskId}`,
    answered: (taskId) => `${tag}:answered:${taskId}`,
    firstSeen: `${tag}:first-seen`,
    session: (sessionId) => `${tag}:session:${sessionId}`,
    sessionStatus: (sessionId) => `${tag}:session-status:${sessionId}`,
    openSessions: `${tag}:sessions`,
    heartbeat: (workerId) => `${tag}:worker:${workerId}`,
    heartbeatPattern: `${tag}:worker:*`,
  };
}

/** The worker id inside a processing or heartbeat key, or undefined. */
export function workerIdOf(key: string, keys: QueueKeys): string | undefined {
  for (const pattern of [keys.processingPattern, keys.heartbeatPattern]) {
    const prefix = pattern.slice(0, -1);
    if (key.startsWith(prefix)) return key.slice(prefix.length);
  }
  return undefined;
}

/**
 * The worker's Prometheus metrics, on a registry of its own: several workers
 * in one process (tests, an embedding program) each keep their own counts,
 * and nothing leaks into prom-client's global registry.
 *
 * Names carry their unit (seconds, bytes) and counters end in _total, as
 * Prometheus expects. docs/operations-health.md lists every metric.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface WorkerIdentity {
  queue: string;
  model: string;
  backend: string;
  version: string;
}

export interface DoneTask {
  audioSeconds: number;
  decodeSeconds: number;
  /** Answered without decoding (silence, no speech): counted, but not as audio decoded. */
  skipped?: boolean;
  /** Absent when the task carried no enqueued_at. */
  queueWaitSeconds?: number;
}

// From a 0.1 s chunk on a GPU to a long file on a small CPU.
const DECODE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
// Queue waits stretch from milliseconds (keeping up) to minutes (backlog).
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 300, 900];
// Below 1 is faster than real time.
const RTF_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

export class WorkerMetrics {
  readonly registry = new Registry();

  private readonly tasks: Counter<'status' | 'code'>;
  private readonly redeliveries: Counter;
  private readonly deadLetters: Counter<'reason'>;
  private readonly audio: Counter;
  private readonly reconnects: Counter<'role'>;
  private readonly depth: Gauge;
  private readonly oldestAge: Gauge;
  private readonly inFlight: Gauge;
  private readonly stalledGauge: Gauge;
  private readonly decode: Histogram;
  private readonly wait: Histogram;
  private readonly rtf: Histogram;

  constructor(identity: WorkerIdentity) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    new Gauge({
      name: 'asr_worker_info',
      help: 'Always 1; the labels say what this worker runs',
      labelNames: ['queue', 'model', 'backend', 'version'],
      registers,
    }).set({ ...identity }, 1);
    this.tasks = new Counter({
      name: 'asr_worker_tasks_total',
      help: 'Tasks finished by this worker, by status (done, failed, expired, dead_lettered, repeat) and error code or dead-letter reason',
      labelNames: ['status', 'code'],
      registers,
    });
    this.redeliveries = new Counter({
      name: 'asr_worker_redelivered_total',
      help: 'Tasks this worker took that had been delivered before (a worker died holding them)',
      registers,
    });
    this.deadLetters = new Counter({
      name: 'asr_worker_dead_lettered_total',
      help: 'Tasks this worker moved to the dead-letter list, by reason (orphan recovery included)',
      labelNames: ['reason'],
      registers,
    });
    this.audio = new Counter({
      name: 'asr_worker_audio_seconds_total',
      help: 'Seconds of audio transcribed',
      registers,
    });
    this.reconnects = new Counter({
      name: 'asr_worker_redis_reconnects_total',
      help: 'Redis reconnect attempts, by connection (blocking, commands)',
      labelNames: ['role'],
      registers,
    });
    this.depth = new Gauge({
      name: 'asr_worker_queue_depth',
      help: 'Tasks waiting on the queue list at the last stall check',
      registers,
    });
    this.oldestAge = new Gauge({
      name: 'asr_worker_oldest_task_age_seconds',
      help: 'Age of the task at the head of the queue by its enqueued_at (0 when the queue is empty, NaN when the task has no enqueued_at)',
      registers,
    });
    this.inFlight = new Gauge({
      name: 'asr_worker_tasks_in_flight',
      help: 'Tasks taken and not yet answered',
      registers,
    });
    this.stalledGauge = new Gauge({
      name: 'asr_worker_stalled',
      help: '1 while the stall check finds the queue not being served (see the worker log for why)',
      registers,
    });
    this.decode = new Histogram({
      name: 'asr_worker_decode_seconds',
      help: 'Time in the recogniser per task',
      buckets: DECODE_BUCKETS,
      registers,
    });
    this.wait = new Histogram({
      name: 'asr_worker_queue_wait_seconds',
      help: 'Time from enqueued_at (producer clock) to the worker taking the task',
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.rtf = new Histogram({
      name: 'asr_worker_real_time_factor',
      help: 'Decode seconds per second of audio, per task',
      buckets: RTF_BUCKETS,
      registers,
    });
  }

  done(task: DoneTask): void {
    this.tasks.inc({ status: 'done', code: '' });
    if (task.queueWaitSeconds !== undefined) this.wait.observe(task.queueWaitSeconds);
    if (task.skipped === true) return;
    this.audio.inc(task.audioSeconds);
    this.decode.observe(task.decodeSeconds);
    if (task.audioSeconds > 0) this.rtf.observe(task.decodeSeconds / task.audioSeconds);
  }

  /** Answered expired: past its maximum age, never decoded. */
  expired(queueWaitSeconds?: number): void {
    this.tasks.inc({ status: 'expired', code: '' });
    if (queueWaitSeconds !== undefined) this.wait.observe(queueWaitSeconds);
  }

  failed(code: string, queueWaitSeconds?: number): void {
    this.tasks.inc({ status: 'failed', code });
    if (queueWaitSeconds !== undefined) this.wait.observe(queueWaitSeconds);
  }

  /** A task of this worker's own set aside (unreadable, poison). */
  deadLettered(reason: string): void {
    this.tasks.inc({ status: 'dead_lettered', code: reason });
    this.deadLetters.inc({ reason });
  }

  /** Dead-lettered while recovering another worker's tasks: not this worker's task. */
  recoveredDeadLettered(count: number, reason: string): void {
    if (count > 0) this.deadLetters.inc({ reason }, count);
  }

  repeat(): void {
    this.tasks.inc({ status: 'repeat', code: '' });
  }

  redelivered(): void {
    this.redeliveries.inc();
  }

  reconnecting(role: string): void {
    this.reconnects.inc({ role });
  }

  setInFlight(count: number): void {
    this.inFlight.set(count);
  }

  /** oldestAgeSeconds: undefined when the head task has no enqueued_at. */
  queueSampled(depth: number, oldestAgeSeconds: number | undefined): void {
    this.depth.set(depth);
    this.oldestAge.set(depth === 0 ? 0 : (oldestAgeSeconds ?? Number.NaN));
  }

  setStalled(stalled: boolean): void {
    this.stalledGauge.set(stalled ? 1 : 0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * A Dockerfile read into its build stages with dockerfile-ast: what each
 * stage copies, where (absolute, after WORKDIR), which paths it produces, and
 * the settings of its final image. "Produced" means a COPY destination or the
 * output of one of this project's own build commands, which the stage list in
 * RUN_OUTPUTS knows; anything else a RUN writes is invisible here on purpose,
 * so a COPY --from of it fails the tests instead of passing unchecked.
 */
import path from 'node:path';

import { Copy, DockerfileParser, Env, type Instruction } from 'dockerfile-ast';

import { addonPathBuiltBy } from './addon-layout.js';

export interface CopyStep {
  /** The --from value (a stage name, index or image), absent for the build context. */
  from: string | undefined;
  sources: string[];
  /** Absolute destination of each source, in order. */
  destinations: string[];
  line: number;
}

export interface Stage {
  name: string | undefined;
  /** The FROM argument: an image reference or an earlier stage's name. */
  base: string;
  baseStage: Stage | undefined;
  workdir: string;
  env: Map<string, string>;
  copies: CopyStep[];
  runs: string[];
  /** Absolute paths this stage (or the stage it builds on) wrote. */
  produced: string[];
  /** The backend each `npm run build:native` in this stage was forced to. */
  nativeBackends: (string | undefined)[];
  user: string | undefined;
  healthcheck: string[] | 'NONE' | undefined;
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
  stopSignal: string | undefined;
  exposed: string[];
}

interface RunOutput {
  command: RegExp;
  outputs(stage: Stage, run: string): string[];
}

// A backend set on the command line wins over one from ENV, as in a shell.
function forcedBackend(stage: Stage, run: string): string | undefined {
  return /\bASR_BACKEND=(\w+)\s/.exec(run)?.[1] ?? stage.env.get('ASR_BACKEND');
}

/** This project's build commands and what each leaves in the working directory. */
const RUN_OUTPUTS: RunOutput[] = [
  { command: /\bnpm ci\b/, outputs: (stage) => [path.posix.join(stage.workdir, 'node_modules')] },
  // tsconfig.build.json compiles src/ into dist/.
  {
    command: /\bnpm run build(?![\w:-])/,
    outputs: (stage) => [path.posix.join(stage.workdir, 'dist')],
  },
  {
    command: /\bnpm run build:native\b/,
    outputs(stage, run) {
      const backend = forcedBackend(stage, run);
      stage.nativeBackends.push(backend);
      // Without a forced backend the script guesses from the build host.
      return backend ? [path.posix.join(stage.workdir, addonPathBuiltBy(backend))] : [];
    },
  },
];

function lineOf(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}

/** Exec form as its JSON array, shell form as the shell would run it. */
function commandOf(content: string): string[] {
  const trimmed = content.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as string[];
  return ['/bin/sh', '-c', trimmed];
}

function readHealthcheck(content: string): string[] | 'NONE' {
  const trimmed = content.trim();
  if (/^NONE$/i.test(trimmed)) return 'NONE';
  const command = /^CMD\s+([\s\S]*)$/i.exec(trimmed);
  if (!command) throw new Error(`HEALTHCHECK without CMD: ${trimmed}`);
  return commandOf(command[1]!);
}

function readCopy(stage: Stage, instruction: Instruction, from: string | undefined): CopyStep {
  const args = instruction.getArguments().map((argument) => argument.getValue());
  const destinationArg = args.at(-1);
  const sources = args.slice(0, -1);
  if (destinationArg === undefined || sources.length === 0) {
    throw new Error(`line ${lineOf(instruction)}: COPY needs a source and a destination`);
  }
  const destination = path.posix.resolve(stage.workdir, destinationArg);
  const intoDirectory = destinationArg.endsWith('/') || sources.length > 1;
  // A source written with a trailing slash is a directory: its contents land
  // in the destination. A file copied into a directory keeps its name.
  const destinations = sources.map((source) =>
    intoDirectory && !source.endsWith('/')
      ? path.posix.join(destination, path.posix.basename(source))
      : destination,
  );
  return { from, sources, destinations, line: lineOf(instruction) };
}

function newStage(base: string, name: string | undefined, baseStage: Stage | undefined): Stage {
  return {
    name,
    base,
    baseStage,
    workdir: baseStage?.workdir ?? '/',
    env: new Map(baseStage?.env),
    copies: [],
    runs: [],
    produced: [...(baseStage?.produced ?? [])],
    nativeBackends: [],
    user: baseStage?.user,
    healthcheck: baseStage?.healthcheck,
    entrypoint: baseStage?.entrypoint,
    cmd: baseStage?.cmd,
    stopSignal: baseStage?.stopSignal,
    exposed: [...(baseStage?.exposed ?? [])],
  };
}

function apply(stage: Stage, instruction: Instruction): void {
  const keyword = instruction.getKeyword();
  const content = instruction.getArgumentsContent() ?? '';
  switch (keyword) {
    case 'WORKDIR':
      stage.workdir = path.posix.resolve(stage.workdir, content.trim());
      break;
    case 'ENV':
      if (instruction instanceof Env) {
        for (const property of instruction.getProperties()) {
          stage.env.set(property.getName(), property.getValue() ?? '');
        }
      }
      break;
    case 'COPY':
    case 'ADD': {
      // ADD takes no --from; only COPY reads another stage or image.
      const from = instruction instanceof Copy ? instruction.getFromFlag()?.getValue() : undefined;
      const step = readCopy(stage, instruction, from ?? undefined);
      stage.copies.push(step);
      stage.produced.push(...step.destinations);
      break;
    }
    case 'RUN':
      stage.runs.push(content);
      for (const known of RUN_OUTPUTS) {
        if (known.command.test(content)) stage.produced.push(...known.outputs(stage, content));
      }
      break;
    case 'USER':
      stage.user = content.trim();
      break;
    case 'HEALTHCHECK':
      stage.healthcheck = readHealthcheck(content);
      break;
    case 'ENTRYPOINT':
      stage.entrypoint = commandOf(content);
      break;
    case 'CMD':
      stage.cmd = commandOf(content);
      break;
    case 'STOPSIGNAL':
      stage.stopSignal = content.trim();
      break;
    case 'EXPOSE':
      stage.exposed.push(...instruction.getArguments().map((argument) => argument.getValue()));
      break;
  }
}

export function readStages(dockerfileText: string): Stage[] {
  const dockerfile = DockerfileParser.parse(dockerfileText);
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((argument) => argument.getValue());
      const base = args[0] ?? '';
      const name = args[1]?.toUpperCase() === 'AS' ? args[2] : undefined;
      stages.push(newStage(base, name, findStage(stages, base)));
      continue;
    }
    const current = stages.at(-1);
    // ARG before the first FROM belongs to no stage.
    if (current) apply(current, instruction);
  }
  return stages;
}

/** The stage a FROM or --from names: by name, or by index as Docker allows. */
export function findStage(stages: Stage[], reference: string): Stage | undefined {
  if (/^\d+$/.test(reference)) return stages[Number(reference)];
  return stages.find((stage) => stage.name === reference);
}

/** Whether an absolute path is one of, or lies inside one of, the given paths. */
export function isWithin(candidate: string, roots: string[]): boolean {
  const normal = path.posix.normalize(candidate).replace(/(.)\/+$/, '$1');
  return roots.some((root) => {
    const normalRoot = path.posix.normalize(root).replace(/(.)\/+$/, '$1');
    return normal === normalRoot || normal.startsWith(`${normalRoot}/`);
  });
}

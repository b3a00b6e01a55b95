/** The addon's raw surface, as native/addon.cc exports it. Internal. */
export interface NativeAudioSpec {
  encoding: string;
  sampleRate?: number;
  channels?: number;
  maxSeconds?: number;
}

export interface NativeTranscribeOptions {
  threads: number;
  language: string;
  translate: boolean;
  prompt: string;
  timestamps: boolean;
  singleSegment: boolean;
  maxTokens: number;
  temperature: number;
  temperatureIncrement: number;
  beamSize: number;
  bestOf: number;
  audioCtx: number;
}

export interface NativeSegment {
  startMs: number;
  endMs: number;
  text: string;
}

export interface NativeTranscription {
  text: string;
  segments: NativeSegment[];
  language: string;
  audioMs: number;
  timings: { convertMs: number; waitMs: number; decodeMs: number };
}

export interface NativeModelInfo {
  type: string;
  multilingual: boolean;
  vocabulary: number;
  audioContext: number;
  audioState: number;
  audioLayers: number;
  textContext: number;
  textLayers: number;
  mels: number;
  states: number;
  useGpu: boolean;
  flashAttention: boolean;
}

export interface NativeModel {
  transcribe(
    jobId: number,
    audio: Buffer,
    spec: NativeAudioSpec,
    options: NativeTranscribeOptions,
  ): Promise<NativeTranscription>;
  abort(jobId: number, reason: 'aborted' | 'timeout' | 'closed'): boolean;
  close(): void;
  info(): NativeModelInfo;
}

export interface NativeDecodedAudio {
  samples: Float32Array;
  inputMs: number;
  inputSampleRate: number;
  inputChannels: number;
}

export interface NativeAddon {
  loadModel(
    path: string,
    options: { useGpu: boolean; gpuDevice: number; flashAttention: boolean; states: number },
  ): Promise<NativeModel>;
  decodeAudio(audio: Buffer, spec: NativeAudioSpec): Promise<NativeDecodedAudio>;
  setLogReceiver(receiver?: (level: string, line: string) => void): void;
  languages(): string[];
  systemInfo(): string;
  versions: { whisper: string; whisperExpected: string; napi: number; backend: string };
}

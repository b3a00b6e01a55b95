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
  /** -Infinity: no silence gate. */
  silenceFloorDbfs: number;
}

export interface NativeSegment {
  startMs: number;
  endMs: number;
  text: string;
  /**
   * whisper's probability (0 to 1) that the 30 s window the segment came
   * from holds no speech; segments of one window share it.
   */
  noSpeechProb: number;
  /**
   * Mean log probability (0 or below) of the segment's text tokens, special
   * and timestamp tokens left out; 0 when it has none.
   */
  avgLogprob: number;
  /** The text tokens that mean is over. */
  tokens: number;
}

export interface NativeTranscription {
  text: string;
  segments: NativeSegment[];
  language: string;
  audioMs: number;
  /** null for digital silence. */
  levelDbfs: number | null;
  skipped?: 'silence' | 'no_speech';
  /** Present when the model has a VAD and the chunk got past the level gate. */
  speech?: Array<{ startMs: number; endMs: number }>;
  timings: { convertMs: number; waitMs: number; vadMs: number; decodeMs: number };
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
  /** Whether a VAD model was loaded with it. */
  vad: boolean;
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
    options: {
      useGpu: boolean;
      gpuDevice: number;
      flashAttention: boolean;
      states: number;
      /** Empty: no VAD. */
      vadModelPath: string;
    },
  ): Promise<NativeModel>;
  decodeAudio(audio: Buffer, spec: NativeAudioSpec): Promise<NativeDecodedAudio>;
  setLogReceiver(receiver?: (level: string, line: string) => void): void;
  languages(): string[];
  systemInfo(): string;
  versions: { whisper: string; whisperExpected: string; napi: number; backend: string };
}

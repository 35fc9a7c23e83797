/** Runtime configuration, filled from flags and environment variables by server/cli.ts. */
export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface QueueLimits {
  image: number;
  other: number;
}

export interface Config {
  port: number;
  host: string;
  /** Persist state in SQLite under this folder; in memory when absent. */
  dataDir?: string;
  /** Read S3 objects from DIR/<Bucket>/<Key>, versions from DIR/<Bucket>/<Key>.versions/<Version>. */
  s3Dir?: string;
  /** Read S3 objects from this S3-compatible endpoint. */
  s3Endpoint?: string;
  /** Celebrity gallery for RecognizeCelebrities: DIR/<Name>/*.jpg|png and an optional DIR/<Name>/meta.json. */
  celebritiesDir?: string;
  /** Publish video job completions to NotificationChannel topics through this SNS-compatible endpoint. */
  snsEndpoint?: string;
  /** Also POST each video job completion message here. */
  notifyUrl?: string;
  /** Put face search stream processor records to Kinesis data streams through this Kinesis-compatible endpoint. */
  kinesisEndpoint?: string;
  /** Verify SigV4 signatures against `credentials`. */
  strictAuth: boolean;
  credentials: Credential[];
  /** Bearer token the control plane (/_rekognition/, health excepted) requires; with strictAuth and no token it is closed. */
  controlToken?: string;
  /** Requests in flight per operation class (image = model-backed image operations); past it, ThrottlingException at once. */
  queueLimits: QueueLimits;
  defaultAccount: string;
  defaultRegion: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** `text` lines, or `json` (one pino object per line) for log collectors. */
  logFormat: 'text' | 'json';
  /** JSON file pointing capabilities at the user's own ONNX models (docs/MODEL-PLUGINS.md). */
  modelConfig?: string;
  /** Load each model on first use instead of at start (less memory and start-up work when few operations are used). */
  lazyModels: boolean;
  /** Origins whose browser pages may call the endpoint: `*` (any, as AWS answers) or exact origins. */
  corsOrigins: '*' | string[];
  /** Memory that concurrent image decodes may hold at once, in MiB; excess waits (docs/SECURITY.md). */
  decodeBudgetMb: number;
  /** Longest a stored-video job may run before it fails, in seconds. */
  videoJobTimeoutSeconds: number;
  /** How long a user stays UPDATING after AssociateFaces or DisassociateFaces changes it, in seconds. */
  userUpdateDelaySeconds: number;
}

export const defaultConfig: Config = {
  port: 4599,
  host: '0.0.0.0',
  strictAuth: false,
  credentials: [],
  // About 8 image requests per model worker of a 2-core machine: a full queue drains in a few
  // seconds, well inside SDK timeouts; cheap metadata calls get a far wider bound.
  queueLimits: { image: 16, other: 256 },
  defaultAccount: '000000000000',
  defaultRegion: 'us-east-1',
  // Two 5 MB images base64-encoded (CompareFaces) plus the JSON around them.
  maxBodyBytes: 16 * 1024 * 1024,
  logLevel: 'info',
  logFormat: 'text',
  lazyModels: false,
  corsOrigins: '*',
  // Room for two decodes of the largest image accepted (100 megapixels) on a 24 GB machine that
  // also holds the models.
  decodeBudgetMb: 2048,
  // AWS's longest stored video is 6 hours; no job should take longer than that to analyse.
  videoJobTimeoutSeconds: 6 * 3600,
  // AWS answers UPDATING and finishes the change in the background, for no documented time.
  userUpdateDelaySeconds: 2,
};

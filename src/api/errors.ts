/**
 * The one error catalogue: every error the emulator sends is built here, with AWS's type names,
 * messages and HTTP codes (see docs/AWS-BEHAVIOUR.md in the shared docs for the sources).
 */

export type ErrorBodyStyle = 'service' | 'validation' | 'coral';

export class RekognitionError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly bodyStyle: ErrorBodyStyle = 'service',
  ) {
    super(message);
    this.name = type;
  }

  /** The JSON body as AWS sends it: service errors carry Code and Message, validation errors `message`. */
  toBody(): Record<string, string> {
    if (this.bodyStyle === 'validation') return { __type: this.type, message: this.message };
    if (this.bodyStyle === 'coral') return { __type: this.type, Message: this.message };
    return { __type: this.type, Code: this.type, Message: this.message };
  }
}

const serviceError = (type: string, status = 400) => (message: string) => new RekognitionError(type, message, status);

export const errors = {
  // protocol layer
  unknownOperation: (target: string) =>
    new RekognitionError('UnknownOperationException', target ? `Operation ${target} is not supported by this service.` : 'Missing X-Amz-Target header.', 400, 'coral'),
  serialization: (message: string) => new RekognitionError('SerializationException', message, 400, 'coral'),
  validation: (message: string) => new RekognitionError('ValidationException', message, 400, 'validation'),
  requestTooLarge: (limit: number) =>
    new RekognitionError('RequestEntityTooLargeException', `Request body is larger than the ${limit} bytes this endpoint accepts.`, 413, 'coral'),
  unrecognizedClient: () =>
    new RekognitionError('UnrecognizedClientException', 'The security token included in the request is invalid.', 400, 'coral'),
  /** Signature errors: JSON services answer them with a lowercase `message` (Rekognition captures, 2018-2019). */
  invalidSignature: (
    message = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  ) => new RekognitionError('InvalidSignatureException', message, 400, 'validation'),
  incompleteSignature: (message: string) => new RekognitionError('IncompleteSignatureException', message, 400, 'validation'),
  missingAuthentication: () =>
    new RekognitionError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400, 'coral'),
  notImplemented: (operation: string) =>
    new RekognitionError('NotImplementedException', `The operation ${operation} is not implemented by rekognition-local yet.`, 501),
  internal: () => new RekognitionError('InternalServerError', 'Internal server error', 500),
  /** The 5xx form of ThrottlingException in the Developer Guide's error table. */
  serviceUnavailable: () => new RekognitionError('ThrottlingException', 'Service Unavailable', 500),
  /** The 400 form: the Developer Guide's message for a sudden rise in request rate; SDKs back off and retry. */
  throttling: () => new RekognitionError('ThrottlingException', 'Slow down; sudden increase in rate of requests.'),
  provisionedThroughputExceeded: () => new RekognitionError('ProvisionedThroughputExceededException', 'Provisioned Rate exceeded.'),

  // service layer
  invalidParameter: (message = 'Request has invalid parameters') => new RekognitionError('InvalidParameterException', message),
  invalidImageFormat: (message = 'Request has invalid image format') => new RekognitionError('InvalidImageFormatException', message),
  imageTooLarge: serviceError('ImageTooLargeException'),
  invalidS3Object: (message = 'Unable to get object metadata from S3. Check object key, region and/or access permissions.') =>
    new RekognitionError('InvalidS3ObjectException', message),
  videoTooLarge: serviceError('VideoTooLargeException'),
  resourceNotFound: serviceError('ResourceNotFoundException'),
  resourceAlreadyExists: serviceError('ResourceAlreadyExistsException'),
  resourceInUse: serviceError('ResourceInUseException'),
  resourceNotReady: serviceError('ResourceNotReadyException'),
  conflict: serviceError('ConflictException'),
  limitExceeded: serviceError('LimitExceededException'),
  serviceQuotaExceeded: serviceError('ServiceQuotaExceededException'),
  idempotentParameterMismatch: (token: string) =>
    new RekognitionError('IdempotentParameterMismatchException', `The ClientRequestToken: ${token} you have supplied is already in use.`),
  invalidPaginationToken: (message = 'Invalid Token') => new RekognitionError('InvalidPaginationTokenException', message),
  accessDenied: serviceError('AccessDeniedException'),
  invalidPolicyRevisionId: serviceError('InvalidPolicyRevisionIdException'),
  malformedPolicyDocument: serviceError('MalformedPolicyDocumentException'),
  invalidManifest: serviceError('InvalidManifestException'),
  humanLoopQuotaExceeded: serviceError('HumanLoopQuotaExceededException'),
  sessionNotFound: serviceError('SessionNotFoundException'),
};

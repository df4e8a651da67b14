namespace FunctionsMfa.Functions.Wire;

/// <summary>
/// The one catalog of rejections. Codes follow Clerk's FAPI where Clerk has one, so ported client code keeps working.
/// Feature folders add their own entries in <c>MfaErrors.*.cs</c> partial files; handlers never build an error by hand.
/// </summary>
internal static partial class MfaErrors
{
    public static readonly MfaError AuthenticationInvalid = new(
        "authentication_invalid", 401, "Unauthorized request", "The request is missing a valid credential for this route.");

    public static readonly MfaError ResourceNotFound = new(
        "resource_not_found", 404, "not found", "The requested resource was not found.");

    public static readonly MfaError MethodNotAllowed = new(
        "method_not_allowed", 405, "method not allowed", "This route does not accept that HTTP method.");

    public static readonly MfaError RequestBodyInvalid = new(
        "request_body_invalid", 400, "is invalid", "The request body could not be parsed.");

    public static readonly MfaError RequestBodyTooLarge = new(
        "request_body_too_large", 413, "is too large", "The request body is larger than 16 KiB.");

    public static readonly MfaError UnsupportedMediaType = new(
        "unsupported_media_type", 415, "unsupported content type",
        "Send application/json or application/x-www-form-urlencoded.");

    public static readonly MfaError InternalError = new(
        "internal_error", 500, "internal error", "Something went wrong. Please try again.");

    public static readonly MfaError SessionReverificationRequired = new(
        "session_reverification_required", 403, "needs reverification",
        "This action needs a second factor verified in the last 10 minutes. Sign in again with your second factor.");

    public static readonly MfaError ConcurrentRequestConflict = new(
        "concurrent_request_conflict", 409, "conflicts with a concurrent request",
        "Another request changed the same data at the same moment. Please try again.");

    public static readonly MfaError TooManyRequests = new(
        "too_many_requests", 429, "Too many requests", "Too many requests. Please try again later.");

    public static MfaError FormParamUnknown(string param) => new MfaError(
        "form_param_unknown", 422, "is unknown", $"{param} is not a valid parameter for this request.").WithParam(param);

    public static MfaError FormParamMissing(string param) => new MfaError(
        "form_param_missing", 422, "is missing", $"{param} must be included.").WithParam(param);

    public static MfaError FormParamFormatInvalid(string param) => new MfaError(
        "form_param_format_invalid", 422, "is invalid", $"{param} is in an invalid format.").WithParam(param);

    public static MfaError FormParamValueInvalid(string param) => new MfaError(
        "form_param_value_invalid", 422, "is invalid", $"{param} has an invalid value.").WithParam(param);
}

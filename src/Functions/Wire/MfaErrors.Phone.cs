namespace FunctionsMfa.Functions.Wire;

/// <summary>Phone numbers and SMS codes (<c>/v1/me/phone_numbers</c>, the <c>phone_code</c> strategy).</summary>
internal static partial class MfaErrors
{
    public static readonly MfaError PhoneNumberExists = new MfaError(
        "form_identifier_exists", 422, "is taken", "This phone number is already on your account.").WithParam("phone_number");

    public static readonly MfaError PhoneCountryNotAllowed = new MfaError(
        "unsupported_country_code", 422, "country not supported", "Phone numbers from this country are not supported.").WithParam("phone_number");

    public static readonly MfaError PhoneNumberTypeNotAllowed = new MfaError(
        "phone_number_type_not_allowed", 422, "number type not supported",
        "Only mobile numbers can receive verification codes: premium-rate, shared-cost, toll-free, personal, pager, VoIP and UAN numbers cannot.").WithParam("phone_number");

    public static readonly MfaError PhoneNumberLimitReached = new MfaError(
        "phone_number_limit_reached", 422, "too many phone numbers",
        "You have the most phone numbers an account may have. Remove one to add another.").WithParam("phone_number");

    public static readonly MfaError PhoneNumberNotVerified = new MfaError(
        "phone_number_not_verified", 422, "is not verified",
        "Only a verified phone number can be used as a second factor.").WithParam("reserved_for_second_factor");

    public static readonly MfaError PhoneVerificationFailed = new MfaError(
        "verification_failed", 422, "Too many failed attempts",
        "Too many failed attempts. Remove the phone number and add it again, or use another method.").WithParam("code");

    public static readonly MfaError PhoneVerificationExpired = new MfaError(
        "verification_expired", 422, "has expired", "This code has expired. Request a new one.").WithParam("code");

    public static readonly MfaError PhoneVerificationMissing = new MfaError(
        "verification_missing", 422, "no code was sent", "Request a code with prepare_verification first.").WithParam("code");

    public static readonly MfaError PhoneAlreadyVerified = new(
        "verification_already_verified", 400, "already verified", "This phone number has already been verified.");

    public static MfaError PhoneCodeIncorrect(int attemptsRemaining) => new MfaError(
        "form_code_incorrect", 422, "is incorrect", "Incorrect code").WithParam("code") with
    {
        Meta = new ErrorMeta { ParamName = "code", AttemptsRemaining = attemptsRemaining },
    };

    /// <summary>An SMS limit: <c>Retry-After</c> and <c>meta.retry_after_seconds</c> tell when the next send is allowed.</summary>
    public static MfaError SmsTooManyRequests(int retryAfterSeconds) => TooManyRequests with
    {
        Meta = new ErrorMeta { RetryAfterSeconds = retryAfterSeconds },
    };
}

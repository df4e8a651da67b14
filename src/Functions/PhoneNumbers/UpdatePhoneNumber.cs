using FunctionsMfa.Functions.BackupCodes;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Sms;
using FunctionsMfa.Functions.Users;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>
/// <c>PATCH /v1/me/phone_numbers/{id} {reserved_for_second_factor, default_second_factor}</c>. Only a verified number
/// can be reserved; the default must be reserved; the first reserved number becomes the default. Changing a 2FA
/// number (reserving or releasing it, moving the default) needs step-up when the user already has a second factor.
/// Making this number the default clears the flag on the others in the same entity-group transaction.
/// </summary>
/// <remarks>
/// Round trips: 1 (write or transaction; the partition came with the session check), again from a fresh read on a conflict.
/// </remarks>
[CalledBy(Caller.Session)]
[Form("reserved_for_second_factor", "default_second_factor", Booleans = ["reserved_for_second_factor", "default_second_factor"])]
internal sealed class UpdatePhoneNumber(
    UserStore users,
    PhoneNumberStore phones,
    StepUp stepUp,
    IOptions<SmsOptions> options,
    TimeProvider time)
{
    [Function(nameof(UpdatePhoneNumber))]
    public async Task<Results<Ok<PhoneNumberResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", "post", Route = "v1/me/phone_numbers/{id}")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var context = request.HttpContext;
        var session = request.Session();

        var form = request.Form();

        if (!TryReadBool(form, "reserved_for_second_factor", out var reservedInput))
        {
            return MfaErrors.FormParamFormatInvalid("reserved_for_second_factor").Result();
        }

        if (!TryReadBool(form, "default_second_factor", out var defaultInput))
        {
            return MfaErrors.FormParamFormatInvalid("default_second_factor").Result();
        }

        return await Storage.Contention.RetryAsync<Results<Ok<PhoneNumberResource>, ErrorResult>>("phone number set", async attempt =>
        {
            var user = attempt == 0 ? session.User : await users.LoadAsync(session.UserId, cancellationToken);
            if (PhoneNumberStore.Find(user, id) is not { } phone)
            {
                return MfaErrors.ResourceNotFound.Result();
            }

            var others = PhoneNumberStore.All(user).Where(p => p.Id != phone.Id).ToList();
            var factors = user.Factors;

            var reserved = reservedInput ?? phone.ReservedForSecondFactor;
            if (reserved && !phone.Verified)
            {
                return MfaErrors.PhoneNumberNotVerified.Result();
            }

            var isDefault = defaultInput ?? (reserved && (phone.DefaultSecondFactor || (!phone.ReservedForSecondFactor && !others.Any(o => o.ReservedForSecondFactor && o.DefaultSecondFactor))));
            if (isDefault && !reserved)
            {
                return MfaErrors.FormParamValueInvalid("default_second_factor").Result();
            }

            var touchesSecondFactor = phone.ReservedForSecondFactor || reserved;
            if (touchesSecondFactor && stepUp.Check(session, factors.TwoFactorEnabled) is { } stepUpError)
            {
                return stepUpError.Result();
            }

            var now = time.GetUtcNow();
            var updated = phone with { ReservedForSecondFactor = reserved, DefaultSecondFactor = isDefault, UpdatedAt = now };
            var clear = isDefault ? others.Where(o => o.DefaultSecondFactor).ToList() : [];
            var backupRows = BackupCodeStore.RowsToDrop(user, factorLeft: reserved || user.Factors.TwoFactorEnabledWithout(phoneId: phone.Id));
            // Turning 2FA on issues the first backup codes in the same transaction; releasing a 2FA number ends the
            // user's other sessions in it (one of them may be why the number is being released).
            var firstCodes = reserved && !factors.TwoFactorEnabled ? context.RequestServices.GetService<IBackupCodeIssuer>()?.PrepareIfNone(user) : null;
            var alsoWrite = phone.ReservedForSecondFactor && !reserved
                ? SessionStore.EndOthersActions(user, session.SessionId)
                : firstCodes?.Actions ?? [];
            if (!await phones.TryReplaceWithOthersAsync(updated, clear, backupRows, alsoWrite, cancellationToken))
            {
                return null;
            }

            var resource = PhoneNumberResource.From(updated, now, options.Value.CodePolicy);
            return TypedResults.Ok(firstCodes is null ? resource : resource with { BackupCodes = firstCodes.Issued.Codes });
                });
    }

    /// <summary>Absent or null: unchanged. Otherwise exactly <c>true</c> or <c>false</c>.</summary>
    private static bool TryReadBool(RequestForm form, string name, out bool? value)
    {
        value = null;
        var text = form.Get(name);
        switch (text)
        {
            case null:
                return true;
            case "true":
                value = true;
                return true;
            case "false":
                value = false;
                return true;
            default:
                return false;
        }
    }
}

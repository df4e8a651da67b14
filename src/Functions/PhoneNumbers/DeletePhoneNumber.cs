using FunctionsMfa.Functions.BackupCodes;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>
/// <c>DELETE /v1/me/phone_numbers/{id}</c>. Removing a 2FA number needs step-up; removing the last second factor
/// removes the backup codes in the same transaction; removing a 2FA number ends the user's other sessions in it.
/// </summary>
/// <remarks>
/// Round trips: 1 (If-Match delete or transaction; the partition came with the session check) + 1 (audit event).
/// </remarks>
[CalledBy(Caller.Session)]
internal sealed class DeletePhoneNumber(UserStore users, PhoneNumberStore phones, StepUp stepUp, SecurityEventLog events)
{
    [Function(nameof(DeletePhoneNumber))]
    public async Task<Results<Ok<DeletedPhoneNumber>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/me/phone_numbers/{id}")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var session = request.Session();

        return await Storage.Contention.RetryAsync<Results<Ok<DeletedPhoneNumber>, ErrorResult>>("phone number set", async attempt =>
        {
            var user = attempt == 0 ? session.User : await users.LoadAsync(session.UserId, cancellationToken);
            if (PhoneNumberStore.Find(user, id) is not { } phone)
            {
                return MfaErrors.ResourceNotFound.Result();
            }

            if (phone.ReservedForSecondFactor && stepUp.Check(session, user.Factors.TwoFactorEnabled) is { } stepUpError)
            {
                return stepUpError.Result();
            }

            var backupRows = BackupCodeStore.RowsToDrop(user, factorLeft: user.Factors.TwoFactorEnabledWithout(phoneId: phone.Id));
            // Removing a 2FA number ends the user's other sessions in the same transaction.
            var endOthers = phone.ReservedForSecondFactor ? SessionStore.EndOthersActions(user, session.SessionId) : [];
            var deleted = events.Record(session.UserId, SecurityEventTypes.PhoneDeleted, new Dictionary<string, string>
            {
                ["phone_number_id"] = phone.Id,
                ["backup_codes_removed"] = BackupCodeStore.CodesIn(backupRows).ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            if (!await phones.TryDeleteAsync(phone, backupRows, [.. endOthers, deleted], cancellationToken))
            {
                return null;
            }

            return TypedResults.Ok(new DeletedPhoneNumber(phone.Id));
                });
    }
}

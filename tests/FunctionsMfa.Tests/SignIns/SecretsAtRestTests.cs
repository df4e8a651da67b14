using System.Net;
using Azure.Data.Tables;
using FunctionsMfa.Domain.BackupCodes;
using FunctionsMfa.Tests.BackupCodes;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.SignIns;

public sealed class SecretsAtRestTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task No_stored_entity_holds_a_backup_code_a_client_token_or_a_session_token_in_clear()
    {
        var userId = Wire.NewUserId();
        var codes = await app.UserWithBackupCodesAsync(userId);
        var signIns = new List<StartedSignIn>();
        for (var i = 0; i < 3; i++)
        {
            signIns.Add(await app.StartSignInAsync(userId));
        }

        await (await app.AttemptAsync(signIns[0], "backup_code", SecondFactorFlows.WrongBackupCode())).ErrorAsync(422, "form_code_incorrect");
        var completed = await app.AttemptAsync(signIns[0], "backup_code", codes[0]);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        var sessionToken = (await completed.JsonAsync()).GetProperty("session_token").GetString()!;

        var secrets = new List<string>(codes);
        secrets.AddRange(codes.Select(c => BackupCodeFormat.Normalize(c)!));
        secrets.AddRange(signIns.Select(s => s.ClientToken));
        secrets.AddRange(signIns.Select(s => s.ClientToken["ct_".Length..]));
        secrets.Add(sessionToken);
        secrets.Add(sessionToken.Split('.')[2]);

        var scanned = 0;
        foreach (var tableName in new[] { "mfausers", "mfasignins", "mfasmslimits" })
        {
            var table = new TableClient(app.StorageConnectionString, tableName);
            await table.CreateIfNotExistsAsync();
            await foreach (var entity in table.QueryAsync<TableEntity>())
            {
                StorageScan.AssertHoldsNone(entity, secrets);
                scanned++;
            }
        }

        // The user's rows, the three sign-ins, one session and the audit events were among them.
        Assert.True(scanned >= 12 + 3 + 1 + 3, $"only {scanned} entities scanned");
    }
}

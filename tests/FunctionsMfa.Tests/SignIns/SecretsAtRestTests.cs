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

        // Every entity of every table (other tests' too, when they share the Azurite); this test's own are noted.
        var ours = new List<string>();
        foreach (var tableName in new[] { "mfausers", "mfasignins", "mfasmslimits" })
        {
            var table = new TableClient(app.StorageConnectionString, tableName);
            await table.CreateIfNotExistsAsync();
            await foreach (var entity in table.QueryAsync<TableEntity>())
            {
                StorageScan.AssertHoldsNone(entity, secrets);
                if (entity.PartitionKey == userId || signIns.Exists(s => s.Id == entity.PartitionKey))
                {
                    ours.Add(entity.PartitionKey == userId ? entity.RowKey : entity.PartitionKey);
                }
            }
        }

        // What this test stored was among them: the user's factor rows, the completed sign-in's session and state, the
        // audit events (TOTP enrolment, the failure, the success and the code used) and the three sign-ins.
        var sessionId = "sess_" + signIns[0].Id["sia_".Length..];
        Assert.Subset(ours.ToHashSet(), new HashSet<string> { "totp", "bcset", "state", "session_" + sessionId, "signin_" + signIns[0].Id });
        Assert.True(ours.Count(key => key.StartsWith('~')) >= 4, string.Join(", ", ours));
        Assert.Equal(3, ours.Count(key => key.StartsWith("sia_", StringComparison.Ordinal)));
    }
}

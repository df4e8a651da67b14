using System.Net;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Totp;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Totp;

/// <summary>
/// Deleting the last factor takes the backup codes with it in one entity-group transaction. The backup-code set is
/// written here directly, laid out as Users/UserRows defines (one <c>bcset</c> row, one <c>bc_…</c> property per code).
/// </summary>
public sealed class TotpDeleteBackupCodesTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task Deleting_the_last_factor_removes_the_backup_codes_in_the_same_transaction()
    {
        var userId = Wire.NewUserId();
        await app.EnrolAsync(userId);
        await SeedBackupCodesAsync(userId, 10);
        await app.UsersTable().AddEntityAsync(new TableEntity(userId, "state") { ["Failures"] = 0 });
        var client = app.ClientWithToken(app.SessionToken(userId));
        Assert.True((await (await client.GetAsync("/v1/me")).JsonAsync()).GetProperty("backup_code_enabled").GetBoolean());

        var response = await client.DeleteAsync("/v1/me/totp");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = await app.PartitionAsync(userId);
        // The caller's own session stays; everything of the factor goes.
        Assert.Equal(["state"], rows.Keys.Where(k => !k.StartsWith("session_", StringComparison.Ordinal)));
        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        Assert.False(me.GetProperty("backup_code_enabled").GetBoolean());
        Assert.Equal(0, me.GetProperty("backup_codes_remaining").GetInt32());
    }

    [Fact]
    public async Task Backup_codes_stay_while_a_phone_factor_is_left()
    {
        var userId = Wire.NewUserId();
        await app.EnrolAsync(userId);
        await SeedBackupCodesAsync(userId, 3);
        await app.UsersTable().AddEntityAsync(new TableEntity(userId, "phone_idn_keep")
        {
            ["PhoneNumber"] = "+15555550100", ["Verified"] = true, ["ReservedForSecondFactor"] = true, ["DefaultSecondFactor"] = true,
        });

        var response = await app.ClientWithToken(app.SessionToken(userId)).DeleteAsync("/v1/me/totp");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = await app.PartitionAsync(userId);
        Assert.DoesNotContain("totp", rows.Keys);
        Assert.Subset(rows.Keys.ToHashSet(), new HashSet<string> { "bcset", "phone_idn_keep" });
        Assert.Equal(3, BackupCodes.BackupCodeTests.CodesIn(rows["bcset"]));
    }

    [Fact]
    public async Task The_transaction_deletes_nothing_when_one_row_changed_since_it_was_read()
    {
        var userId = Wire.NewUserId();
        await app.EnrolAsync(userId);
        await SeedBackupCodesAsync(userId, 5);
        var read = await app.PartitionAsync(userId);
        var backupRows = read.Values.Where(r => r.RowKey.StartsWith("bc", StringComparison.Ordinal)).ToList();

        // A concurrent writer touches the set after the read (a code spent): its ETag no longer matches.
        var touched = read["bcset"];
        touched["Touched"] = true;
        await app.UsersTable().UpdateEntityAsync(touched, touched.ETag, TableUpdateMode.Merge);

        var store = app.Service<TotpStore>();
        Assert.False(await store.TryDeleteAsync(userId, read["totp"].ETag, backupRows, [], default));
        Assert.Equal(read.Keys.Order(StringComparer.Ordinal), (await app.PartitionAsync(userId)).Keys.Order(StringComparer.Ordinal));

        // A stale ETag on the totp row itself fails the whole batch too.
        var fresh = await app.PartitionAsync(userId);
        var totp = fresh["totp"];
        await app.UsersTable().UpdateEntityAsync(totp, totp.ETag, TableUpdateMode.Merge);
        var freshBackupRows = fresh.Values.Where(r => r.RowKey.StartsWith("bc", StringComparison.Ordinal)).ToList();
        Assert.False(await store.TryDeleteAsync(userId, totp.ETag, freshBackupRows, [], default));
        Assert.Equal(fresh.Keys.Order(StringComparer.Ordinal), (await app.PartitionAsync(userId)).Keys.Order(StringComparer.Ordinal));

        // With current ETags everything goes at once.
        var current = await app.PartitionAsync(userId);
        var currentBackupRows = current.Values.Where(r => r.RowKey.StartsWith("bc", StringComparison.Ordinal)).ToList();
        Assert.True(await store.TryDeleteAsync(userId, current["totp"].ETag, currentBackupRows, [], default));
        Assert.DoesNotContain((await app.PartitionAsync(userId)).Keys, k => !k.StartsWith("session_", StringComparison.Ordinal));
    }

    private async Task SeedBackupCodesAsync(string userId, int count)
    {
        var table = app.UsersTable();
        // Upsert: verification may already have written a set.
        var set = new TableEntity(userId, "bcset") { ["Id"] = "bc_set_test", ["Iterations"] = 1000 };
        for (var i = 0; i < count; i++)
        {
            set[$"bc_{i}"] = new byte[48];
        }

        await table.UpsertEntityAsync(set, TableUpdateMode.Replace);
    }
}

using System.Net;
using System.Text;
using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Domain.BackupCodes;
using FunctionsMfa.Functions.BackupCodes;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.SignIns;

namespace FunctionsMfa.Tests.BackupCodes;

public sealed class BackupCodeTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task A_new_set_has_ten_grouped_codes_from_the_unambiguous_alphabet()
    {
        var userId = Wire.NewUserId();
        await app.EnrolAsync(userId);
        var response = await app.ClientWithToken(app.SessionToken(userId)).PostAsync("/v1/me/backup_codes", null);
        var body = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("backup_code", body.GetProperty("object").GetString());
        Assert.StartsWith("bc_", body.GetProperty("id").GetString());
        Assert.Equal(app.Time.GetUtcNow().ToUnixTimeMilliseconds(), body.GetProperty("created_at").GetInt64());
        Assert.Equal(app.Time.GetUtcNow().ToUnixTimeMilliseconds(), body.GetProperty("updated_at").GetInt64());
        var codes = body.GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(10, codes.Count);
        Assert.Equal(10, codes.Distinct().Count());
        foreach (var code in codes)
        {
            Assert.Matches("^[a-z2-9]{5}-[a-z2-9]{5}$", code);
            Assert.DoesNotContain(code, c => "01ilouv".Contains(c, StringComparison.Ordinal));
        }

        var me = await (await app.ClientWithToken(app.SessionToken(userId)).GetAsync("/v1/me")).JsonAsync();
        Assert.True(me.GetProperty("backup_code_enabled").GetBoolean());
        Assert.Equal(10, me.GetProperty("backup_codes_remaining").GetInt32());
    }

    [Fact]
    public async Task Backup_codes_are_not_available_without_another_second_factor()
    {
        var userId = Wire.NewUserId();
        var response = await app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: null)).PostAsync("/v1/me/backup_codes", null);
        await response.ErrorAsync(422, "backup_codes_not_available");
    }

    [Fact]
    public async Task A_new_set_needs_a_recent_second_factor()
    {
        var userId = Wire.NewUserId();
        await app.EnrolAsync(userId);
        await (await app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 11)).PostAsync("/v1/me/backup_codes", null))
            .ErrorAsync(403, "session_reverification_required");
        await (await app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: null)).PostAsync("/v1/me/backup_codes", null))
            .ErrorAsync(403, "session_reverification_required");
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 9)).PostAsync("/v1/me/backup_codes", null)).StatusCode);
    }

    [Fact]
    public async Task A_new_set_replaces_the_old_one_entirely()
    {
        var userId = Wire.NewUserId();
        var old = await app.UserWithBackupCodesAsync(userId);
        var fresh = await app.CreateBackupCodesAsync(userId);
        Assert.Empty(old.Intersect(fresh));

        var rows = await UserRowsAsync(userId);
        Assert.Equal(10, CodesIn(Assert.Single(rows, r => r.RowKey == "bcset")));
        Assert.DoesNotContain(rows, r => r.RowKey.StartsWith("bc_", StringComparison.Ordinal));

        var signIn = await app.StartSignInAsync(userId);
        await (await app.AttemptAsync(signIn, "backup_code", old[0])).ErrorAsync(422, "form_code_incorrect");
        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(signIn, "backup_code", fresh[0])).StatusCode);
    }

    [Theory]
    [InlineData("as shown")]
    [InlineData("upper case")]
    [InlineData("no separator")]
    [InlineData("spaces")]
    public async Task A_backup_code_is_accepted_in_any_case_with_or_without_separators(string form)
    {
        var userId = Wire.NewUserId();
        var codes = await app.UserWithBackupCodesAsync(userId);
        var code = codes[3];
        var typed = form switch
        {
            "upper case" => code.ToUpperInvariant(),
            "no separator" => code.Replace("-", string.Empty, StringComparison.Ordinal),
            "spaces" => " " + code[..5].ToUpperInvariant() + " " + code[6..] + " ",
            _ => code,
        };

        var signIn = await app.StartSignInAsync(userId);
        var response = await app.AttemptAsync(signIn, "backup_code", typed);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Backup_code_cannot_be_redeemed_twice()
    {
        var userId = Wire.NewUserId();
        var codes = await app.UserWithBackupCodesAsync(userId);
        var first = await app.StartSignInAsync(userId);
        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(first, "backup_code", codes[0])).StatusCode);

        var second = await app.StartSignInAsync(userId);
        var again = await (await app.AttemptAsync(second, "backup_code", codes[0].ToUpperInvariant())).ErrorAsync(422, "form_code_incorrect");
        Assert.Equal(9, again.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());
        Assert.Equal("needs_second_factor", (await app.GetSignInAsync(second)).GetProperty("status").GetString());

        var used = (await app.EventsAsync(userId)).Single(e => e.GetProperty("type").GetString() == "backup_code.used");
        Assert.Equal("9", used.GetProperty("data").GetProperty("remaining").GetString());
    }

    [Fact]
    public async Task Of_twenty_concurrent_redemptions_of_one_code_exactly_one_wins_every_time()
    {
        for (var round = 0; round < 10; round++)
        {
            var userId = Wire.NewUserId();
            var codes = await app.UserWithBackupCodesAsync(userId);
            var signIns = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.StartSignInAsync(userId)));

            var responses = await Task.WhenAll(signIns.Select(s => app.AttemptAsync(s, "backup_code", codes[0])));

            var statuses = responses.Select(r => (int)r.StatusCode).ToList();
            Assert.True(statuses.Count(s => s == 200) == 1, $"round {round}: {string.Join(",", statuses)}");
            Assert.All(statuses.Where(s => s != 200), s => Assert.True(s is 422 or 403, $"round {round}: {s}"));
            Assert.Equal(9, CodesIn(await SetAsync(userId)));
        }
    }

    [Fact]
    public async Task Two_codes_redeemed_at_the_same_instant_both_succeed_and_both_are_spent()
    {
        // The codes share one row: the second redemption's If-Match loses to the first, and it is judged again on a
        // fresh read rather than refused. Ten rounds, each of two sign-ins released together.
        for (var round = 0; round < 10; round++)
        {
            var userId = Wire.NewUserId();
            var codes = await app.UserWithBackupCodesAsync(userId);
            var signIns = await Task.WhenAll(app.StartSignInAsync(userId), app.StartSignInAsync(userId));

            var responses = await Task.WhenAll(app.AttemptAsync(signIns[0], "backup_code", codes[1]), app.AttemptAsync(signIns[1], "backup_code", codes[2]));

            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal(8, CodesIn(await SetAsync(userId)));
            var later = await app.StartSignInAsync(userId);
            await (await app.AttemptAsync(later, "backup_code", codes[2])).ErrorAsync(422, "form_code_incorrect");
            Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(later, "backup_code", codes[3])).StatusCode);
        }
    }

    [Fact]
    public async Task A_set_is_prepared_only_when_none_exists_and_commits_once()
    {
        var issuer = app.Service<IBackupCodeIssuer>();
        var users = app.Service<UserStore>();
        var userId = Wire.NewUserId();
        var prepared = issuer.PrepareIfNone(await users.LoadAsync(userId, CancellationToken.None));
        Assert.NotNull(prepared);
        Assert.Equal(10, prepared.Issued.Codes.Count);
        Assert.True(await users.TryCommitAsync(prepared.Actions, CancellationToken.None));
        Assert.Null(issuer.PrepareIfNone(await users.LoadAsync(userId, CancellationToken.None)));

        // Five sets prepared from one read: the inserts are conditional, so exactly one commits.
        var racers = Wire.NewUserId();
        var snapshot = await users.LoadAsync(racers, CancellationToken.None);
        var sets = Enumerable.Range(0, 5).Select(_ => issuer.PrepareIfNone(snapshot)!).ToList();
        var results = await Task.WhenAll(sets.Select(set => users.TryCommitAsync(set.Actions, CancellationToken.None)));
        Assert.Single(results, r => r);
        Assert.Equal(10, CodesIn(await SetAsync(racers)));
    }

    [Fact]
    public async Task The_stored_codes_are_salted_slow_hashes_under_keyed_names_never_the_codes()
    {
        var userId = Wire.NewUserId();
        var codes = await app.UserWithBackupCodesAsync(userId);
        var set = await SetAsync(userId);
        var names = set.Keys.Where(k => k.StartsWith("bc_", StringComparison.Ordinal)).ToList();

        // One property per code, named by the keyed lookup hash, holding 16 bytes of salt and a 32-byte PBKDF2 hash.
        Assert.Equal(10, names.Count);
        Assert.All(names, name =>
        {
            Assert.Matches("^bc_[0-9a-f]{64}$", name);
            Assert.Equal(48, set.GetBinary(name)!.Length);
        });
        Assert.True(set.GetInt32("Iterations") >= 1000);
        Assert.Equal(10, names.Select(n => Convert.ToHexString(set.GetBinary(n)![..16])).Distinct().Count());
        StorageScan.AssertHoldsNone(set, [.. codes, .. codes.Select(c => BackupCodeFormat.Normalize(c)!)]);
    }

    [Fact]
    public async Task An_entity_group_transaction_with_a_failing_operation_changes_nothing_on_Azurite()
    {
        var userId = Wire.NewUserId();
        await app.UserWithBackupCodesAsync(userId);
        var table = new TableClient(app.StorageConnectionString, "mfausers");
        var before = await UserRowsAsync(userId);
        var header = before.Single(r => r.RowKey == "bcset");
        var totp = before.Single(r => r.RowKey == "totp");

        // Rewrite the set without its codes, add a row, replace the TOTP row with a stale ETag: the last must fail and
        // take the others with it.
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateReplace, new TableEntity(userId, "bcset") { ["Id"] = "bc_changed" }, header.ETag),
            new(TableTransactionActionType.Add, new TableEntity(userId, "added_by_test") { ["Id"] = "bc_test" }),
            new(TableTransactionActionType.UpdateReplace, new TableEntity(userId, "totp") { ["Verified"] = false }, new ETag("W/\"datetime'2000-01-01T00%3A00%3A00.0000000Z'\"")),
        };
        var failure = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(actions));
        Assert.Equal(412, failure.Status);

        var after = await UserRowsAsync(userId);
        Assert.Equal(before.Select(r => (r.RowKey, r.ETag.ToString())).OrderBy(x => x.RowKey), after.Select(r => (r.RowKey, r.ETag.ToString())).OrderBy(x => x.RowKey));
        Assert.Equal(header.GetString("Id"), after.Single(r => r.RowKey == "bcset").GetString("Id"));
        Assert.Equal(10, CodesIn(after.Single(r => r.RowKey == "bcset")));
        Assert.Equal(totp.GetBoolean("Verified"), after.Single(r => r.RowKey == "totp").GetBoolean("Verified"));

        // And a transaction that fails on its first operation (a delete of a missing row) changes nothing either.
        var second = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Delete, new TableEntity(userId, "missing_row"), ETag.All),
            new(TableTransactionActionType.Delete, header, header.ETag),
        };
        await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(second));
        Assert.Equal(before.Count, (await UserRowsAsync(userId)).Count);
    }

    /// <summary>The unused codes a stored set holds: its <c>bc_…</c> properties.</summary>
    internal static int CodesIn(TableEntity? set) => set?.Keys.Count(k => k.StartsWith("bc_", StringComparison.Ordinal)) ?? 0;

    private async Task<TableEntity> SetAsync(string userId) => Assert.Single(await UserRowsAsync(userId), r => r.RowKey == "bcset");

    private async Task<List<TableEntity>> UserRowsAsync(string userId)
    {
        var table = new TableClient(app.StorageConnectionString, "mfausers");
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == userId))
        {
            rows.Add(row);
        }

        return rows;
    }
}

/// <summary>Looks through stored entities for secrets in clear: as text, and inside binary values as UTF-8, hex or base64.</summary>
public static class StorageScan
{
    public static void AssertHoldsNone(TableEntity entity, IReadOnlyCollection<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(secrets);
        var texts = new List<string> { entity.PartitionKey, entity.RowKey };
        foreach (var (key, value) in entity)
        {
            switch (value)
            {
                case string s:
                    texts.Add(s);
                    break;
                case byte[] bytes:
                    texts.Add(Encoding.UTF8.GetString(bytes));
                    texts.Add(Convert.ToHexString(bytes));
                    texts.Add(Convert.ToBase64String(bytes));
                    break;
                case BinaryData data:
                    texts.Add(data.ToString());
                    break;
                default:
                    texts.Add(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
                    break;
            }

            texts.Add(key);
        }

        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(texts, t => t.Contains(secret, StringComparison.OrdinalIgnoreCase));
        }
    }
}

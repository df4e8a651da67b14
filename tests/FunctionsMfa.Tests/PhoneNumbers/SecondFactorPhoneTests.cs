using System.Net;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.Sms;

namespace FunctionsMfa.Tests.PhoneNumbers;

[Collection(SmsQueueCollection.Name)]
public sealed class SecondFactorPhoneTests(PhoneAppFactory app) : IClassFixture<PhoneAppFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => app.ClearSmsQueueAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static HttpContent Patch(bool? reserved = null, bool? isDefault = null) =>
        Wire.Json(new Dictionary<string, object?>
        {
            ["reserved_for_second_factor"] = reserved,
            ["default_second_factor"] = isDefault,
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value));

    [Fact]
    public async Task Only_a_verified_number_can_be_reserved_for_the_second_factor()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId, null));
        var id = (await client.AddAsync(TestNumbers.NewUs())).GetProperty("id").GetString()!;
        var response = await client.PatchAsync($"/v1/me/phone_numbers/{id}", Patch(reserved: true));
        await response.ErrorAsync(422, "phone_number_not_verified");

        var badValue = await client.PatchAsync($"/v1/me/phone_numbers/{id}", Wire.Json(new { reserved_for_second_factor = "yes" }));
        await badValue.ErrorAsync(422, "form_param_format_invalid");
    }

    [Fact]
    public async Task Reserving_the_first_number_turns_two_factor_on_makes_it_default_and_lists_it_masked_on_sign_in()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId, null));
        var number = TestNumbers.NewUs();
        var id = await client.AddVerifiedAsync(app, number);

        var reserved = await (await client.PatchAsync($"/v1/me/phone_numbers/{id}", Patch(reserved: true))).JsonAsync();
        Assert.True(reserved.GetProperty("reserved_for_second_factor").GetBoolean());
        Assert.True(reserved.GetProperty("default_second_factor").GetBoolean());
        // Turning 2FA on issues the first backup-code set, shown once (as Clerk does on the phone number).
        Assert.Equal(10, reserved.GetProperty("backup_codes").GetArrayLength());

        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        Assert.True(me.GetProperty("two_factor_enabled").GetBoolean());
        Assert.Equal(10, me.GetProperty("backup_codes_remaining").GetInt32());

        var signIn = await (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId })).JsonAsync();
        Assert.Equal("needs_second_factor", signIn.GetProperty("status").GetString());
        var factor = signIn.GetProperty("supported_second_factors").EnumerateArray().Single(f => f.GetProperty("strategy").GetString() == "phone_code");
        Assert.Equal(id, factor.GetProperty("phone_number_id").GetString());
        Assert.Equal("+*******" + number[^4..], factor.GetProperty("safe_identifier").GetString());
        Assert.True(factor.GetProperty("default").GetBoolean());
    }

    [Fact]
    public async Task Changing_a_second_factor_number_needs_a_recent_second_factor()
    {
        var userId = Wire.NewUserId();
        var fresh = app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 0));
        var first = await fresh.AddVerifiedAsync(app, TestNumbers.NewUs());
        Assert.Equal(HttpStatusCode.OK, (await fresh.PatchAsync($"/v1/me/phone_numbers/{first}", Patch(reserved: true))).StatusCode);
        var second = await fresh.AddVerifiedAsync(app, TestNumbers.NewUs());

        var stale = app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 11));
        var noFactor = app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: null));
        await (await stale.PatchAsync($"/v1/me/phone_numbers/{second}", Patch(reserved: true))).ErrorAsync(403, "session_reverification_required");
        await (await noFactor.PatchAsync($"/v1/me/phone_numbers/{first}", Patch(reserved: false))).ErrorAsync(403, "session_reverification_required");
        await (await stale.DeleteAsync($"/v1/me/phone_numbers/{first}")).ErrorAsync(403, "session_reverification_required");

        // A number that is not a second factor can be removed without step-up.
        var third = (await stale.AddAsync(TestNumbers.NewUs())).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await stale.DeleteAsync($"/v1/me/phone_numbers/{third}")).StatusCode);

        var deleted = await (await fresh.DeleteAsync($"/v1/me/phone_numbers/{first}")).JsonAsync();
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Equal(first, deleted.GetProperty("id").GetString());
        await (await fresh.DeleteAsync($"/v1/me/phone_numbers/{first}")).ErrorAsync(404, "resource_not_found");
    }

    [Fact]
    public async Task Making_a_number_default_clears_the_other_default_in_one_transaction()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 0));
        var a = await client.AddVerifiedAsync(app, TestNumbers.NewUs());
        var b = await client.AddVerifiedAsync(app, TestNumbers.NewUs());
        await client.PatchAsync($"/v1/me/phone_numbers/{a}", Patch(reserved: true));
        var bReserved = await (await client.PatchAsync($"/v1/me/phone_numbers/{b}", Patch(reserved: true))).JsonAsync();
        Assert.False(bReserved.GetProperty("default_second_factor").GetBoolean());

        var bDefault = await (await client.PatchAsync($"/v1/me/phone_numbers/{b}", Patch(isDefault: true))).JsonAsync();
        Assert.True(bDefault.GetProperty("default_second_factor").GetBoolean());

        var phones = (await (await client.GetAsync("/v1/me")).JsonAsync()).GetProperty("phone_numbers").EnumerateArray().ToList();
        Assert.False(phones.Single(p => p.GetProperty("id").GetString() == a).GetProperty("default_second_factor").GetBoolean());
        Assert.True(phones.Single(p => p.GetProperty("id").GetString() == b).GetProperty("default_second_factor").GetBoolean());

        await (await client.PatchAsync($"/v1/me/phone_numbers/{a}", Patch(reserved: false, isDefault: true))).ErrorAsync(422, "form_param_value_invalid");
    }

    [Fact]
    public async Task The_default_switch_transaction_writes_nothing_when_one_row_changed_meanwhile()
    {
        // Proves Azurite's entity-group transaction honours If-Match on every row and commits all or nothing.
        var (userId, client, a, b) = await UserWithTwoSecondFactorPhonesAsync();

        var store = app.Service<FunctionsMfa.Functions.PhoneNumbers.PhoneNumberStore>();
        var users = app.Service<FunctionsMfa.Functions.Users.UserStore>();
        var before = await users.LoadAsync(userId, CancellationToken.None);
        var rowA = FunctionsMfa.Functions.PhoneNumbers.PhoneNumberStore.Find(before, a)!;
        var rowB = FunctionsMfa.Functions.PhoneNumbers.PhoneNumberStore.Find(before, b)!;
        Assert.True(rowA.DefaultSecondFactor);

        // Someone else touches A after we read it.
        var table = new TableClient(app.StorageConnectionString, MfaTables.Users);
        await table.UpdateEntityAsync(new TableEntity(userId, rowA.RowKey) { ["Touched"] = true }, Azure.ETag.All, TableUpdateMode.Merge);

        var ok = await store.TryReplaceWithOthersAsync(rowB with { DefaultSecondFactor = true }, [rowA], [], [], CancellationToken.None);
        Assert.False(ok);
        var after = await users.LoadAsync(userId, CancellationToken.None);
        var afterA = FunctionsMfa.Functions.PhoneNumbers.PhoneNumberStore.Find(after, a)!;
        var afterB = FunctionsMfa.Functions.PhoneNumbers.PhoneNumberStore.Find(after, b)!;
        Assert.True(afterA.DefaultSecondFactor);
        Assert.False(afterB.DefaultSecondFactor);
        Assert.Equal(rowB.ETag, afterB.ETag);
    }

    [Fact]
    public async Task Removing_the_last_second_factor_phone_removes_the_backup_codes_with_it()
    {
        var (userId, client, a, b) = await UserWithTwoSecondFactorPhonesAsync();
        Assert.Equal(10, (await (await client.GetAsync("/v1/me")).JsonAsync()).GetProperty("backup_codes_remaining").GetInt32());

        // Another factor is left: the codes stay.
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/v1/me/phone_numbers/{a}")).StatusCode);
        Assert.Equal(10, (await (await client.GetAsync("/v1/me")).JsonAsync()).GetProperty("backup_codes_remaining").GetInt32());

        // Releasing the last one takes them in the same transaction.
        var released = await client.PatchAsync($"/v1/me/phone_numbers/{b}", Patch(reserved: false));
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        Assert.False(me.GetProperty("two_factor_enabled").GetBoolean());
        Assert.Equal(0, me.GetProperty("backup_codes_remaining").GetInt32());
        var table = new TableClient(app.StorageConnectionString, MfaTables.Users);
        var rows = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == userId))
        {
            rows.Add(row.RowKey);
        }

        Assert.DoesNotContain("bcset", rows);
        Assert.DoesNotContain(rows, r => r.StartsWith("bc_", StringComparison.Ordinal));

        // Reserving again issues a fresh set.
        var again = await (await client.PatchAsync($"/v1/me/phone_numbers/{b}", Patch(reserved: true))).JsonAsync();
        Assert.Equal(10, again.GetProperty("backup_codes").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/v1/me/phone_numbers/{b}")).StatusCode);
        Assert.Equal(0, (await (await client.GetAsync("/v1/me")).JsonAsync()).GetProperty("backup_codes_remaining").GetInt32());
    }

    /// <summary>A user with two verified phones reserved for 2FA (the first is the default), and a fresh session.</summary>
    private async Task<(string UserId, HttpClient Client, string A, string B)> UserWithTwoSecondFactorPhonesAsync()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 0));
        var a = await client.AddVerifiedAsync(app, TestNumbers.NewUs());
        var b = await client.AddVerifiedAsync(app, TestNumbers.NewUs());
        await client.PatchAsync($"/v1/me/phone_numbers/{a}", Patch(reserved: true));
        await client.PatchAsync($"/v1/me/phone_numbers/{b}", Patch(reserved: true));
        return (userId, client, a, b);
    }
}

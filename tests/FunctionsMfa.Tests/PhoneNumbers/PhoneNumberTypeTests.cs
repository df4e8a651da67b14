using System.Net;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.SignIns;
using FunctionsMfa.Tests.Sms;
using FunctionsMfa.Tests.Totp;
using PhoneNumbers;

namespace FunctionsMfa.Tests.PhoneNumbers;

/// <summary>
/// The SMS-pumping rules of API.md: only line types that reach a handset receive codes (checked on add and again before
/// every send), and a user holds at most 10 numbers.
/// </summary>
[Collection(SmsQueueCollection.Name)]
public sealed class PhoneNumberTypeTests(PhoneAppFactory app) : IClassFixture<PhoneAppFactory>, IAsyncLifetime
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    public Task InitializeAsync() => app.ClearSmsQueueAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private HttpClient NewUser(out string userId)
    {
        userId = Wire.NewUserId();
        return app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 0));
    }

    private async Task<int> QueuedSmsAsync() =>
        (await app.Queue(MfaQueues.SmsCodes).GetPropertiesAsync()).Value.ApproximateMessagesCount;

    /// <summary>Real numbers of each toll-fraud type (libphonenumber's own classification is asserted first).</summary>
    [Theory]
    [InlineData("+447012345678", PhoneNumberType.PERSONAL_NUMBER)]
    [InlineData("+447640123456", PhoneNumberType.PAGER)]
    [InlineData("+445612345678", PhoneNumberType.VOIP)]
    [InlineData("+443012345678", PhoneNumberType.UAN)]
    [InlineData("+445512345678", PhoneNumberType.UAN)]
    [InlineData("+18002345678", PhoneNumberType.TOLL_FREE)]
    [InlineData("+18882345678", PhoneNumberType.TOLL_FREE)]
    [InlineData("+442012345678", PhoneNumberType.FIXED_LINE)]
    public async Task A_number_that_does_not_reach_a_handset_is_refused_before_anything_is_stored(string number, PhoneNumberType type)
    {
        Assert.Equal(type, Util.GetNumberType(Util.Parse(number, null)));
        var client = NewUser(out _);

        var error = await (await client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = number })).ErrorAsync(422, "phone_number_type_not_allowed");

        Assert.Equal("phone_number", error.GetProperty("meta").GetProperty("param_name").GetString());
        Assert.Equal(0, (await (await client.GetAsync("/v1/me")).JsonAsync()).GetProperty("phone_numbers").GetArrayLength());
    }

    [Theory]
    [InlineData("+447400123456", PhoneNumberType.MOBILE)]
    [InlineData("+33612345678", PhoneNumberType.MOBILE)]
    [InlineData("+12015550123", PhoneNumberType.FIXED_LINE_OR_MOBILE)]
    public async Task A_mobile_or_fixed_line_or_mobile_number_is_accepted(string number, PhoneNumberType type)
    {
        Assert.Equal(type, Util.GetNumberType(Util.Parse(number, null)));
        var added = await NewUser(out _).AddAsync(number);
        Assert.Equal(number, added.GetProperty("phone_number").GetString());
    }

    [Fact]
    public async Task The_eleventh_number_is_refused_and_a_removed_one_frees_its_place()
    {
        var client = NewUser(out _);
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await client.AddAsync(TestNumbers.NewUs())).GetProperty("id").GetString()!);
        }

        var eleventh = TestNumbers.NewUs();
        var error = await (await client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = eleventh })).ErrorAsync(422, "phone_number_limit_reached");
        Assert.Equal("phone_number", error.GetProperty("meta").GetProperty("param_name").GetString());
        Assert.Equal(10, (await (await client.GetAsync("/v1/me")).JsonAsync()).GetProperty("phone_numbers").GetArrayLength());

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/v1/me/phone_numbers/{ids[0]}")).StatusCode);
        Assert.Equal(eleventh, (await client.AddAsync(eleventh)).GetProperty("phone_number").GetString());
    }

    [Fact]
    public async Task Concurrent_adds_never_take_a_user_past_ten_numbers()
    {
        var client = NewUser(out _);
        for (var i = 0; i < 8; i++)
        {
            await client.AddAsync(TestNumbers.NewUs());
        }

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = TestNumbers.NewUs() })));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.UnprocessableEntity, r.StatusCode.ToString()));
        var stored = (await (await client.GetAsync("/v1/me")).JsonAsync()).GetProperty("phone_numbers").GetArrayLength();
        Assert.True(stored <= 10, $"{stored} numbers stored");
        Assert.Equal(stored - 8, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
    }

    /// <summary>A row as an older version (or another rule set) stored it: a toll-free number, verified or not.</summary>
    private async Task<string> StoreNumberAsync(string userId, string number, bool verified)
    {
        var id = "idn_" + string.Concat(Enumerable.Range(0, 26).Select(_ => (char)('a' + Random.Shared.Next(26))));
        var now = app.Time.GetUtcNow();
        await app.UsersTable().AddEntityAsync(new TableEntity(userId, "phone_" + id)
        {
            ["PhoneNumber"] = number, ["Verified"] = verified, ["ReservedForSecondFactor"] = verified, ["DefaultSecondFactor"] = verified,
            ["CreatedAt"] = now, ["UpdatedAt"] = now, ["VerificationAttempts"] = 0,
        });
        return id;
    }

    [Fact]
    public async Task A_stored_toll_free_number_gets_no_verification_code()
    {
        var client = NewUser(out var userId);
        var id = await StoreNumberAsync(userId, "+18002345678", verified: false);

        await (await client.PostAsync($"/v1/me/phone_numbers/{id}/prepare_verification", null)).ErrorAsync(422, "phone_number_type_not_allowed");

        Assert.Equal(0, await QueuedSmsAsync());
        Assert.Equal(0, await app.DrainAsync());
        Assert.Empty(app.Sms.Sent);
    }

    [Fact]
    public async Task A_stored_second_factor_number_that_is_a_voip_line_gets_no_sign_in_code()
    {
        var userId = Wire.NewUserId();
        var id = await StoreNumberAsync(userId, "+445612345678", verified: true);
        var signIn = await app.StartSignInAsync(userId);

        var prepare = await app.ClientWithToken(signIn.ClientToken)
            .PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", new { strategy = "phone_code", phone_number_id = id });

        await prepare.ErrorAsync(422, "phone_number_type_not_allowed");
        Assert.Equal(0, await QueuedSmsAsync());
        Assert.Equal(0, await app.DrainAsync());
        Assert.DoesNotContain(app.Sms.Sent, s => s.To == "+445612345678");
    }
}

/// <summary>An operator who also allows VoIP lines and lowers the cap to 2 numbers.</summary>
public sealed class PermissivePhoneAppFactory : PhoneAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        values["Mfa:Sms:AllowedNumberTypes:0"] = "mobile";
        values["Mfa:Sms:AllowedNumberTypes:1"] = "FIXED_LINE_OR_MOBILE";
        values["Mfa:Sms:AllowedNumberTypes:2"] = "VOIP";
        values["Mfa:Sms:MaxPhoneNumbersPerUser"] = "2";
    }
}

public sealed class ConfiguredPhoneNumberRulesTests(PermissivePhoneAppFactory app) : IClassFixture<PermissivePhoneAppFactory>
{
    [Fact]
    public async Task The_allowed_types_and_the_cap_come_from_configuration()
    {
        var client = app.ClientWithToken(app.SessionToken(Wire.NewUserId(), secondFactorMinutesAgo: 0));
        await client.AddAsync("+445612345678");
        await (await client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = "+18002345678" })).ErrorAsync(422, "phone_number_type_not_allowed");
        await client.AddAsync(TestNumbers.NewUs());
        await (await client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = TestNumbers.NewUs() })).ErrorAsync(422, "phone_number_limit_reached");
    }
}

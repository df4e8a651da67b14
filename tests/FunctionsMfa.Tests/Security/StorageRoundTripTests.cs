using System.Net;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.SignIns;
using FunctionsMfa.Tests.Sms;
using Xunit.Abstractions;

namespace FunctionsMfa.Tests.Security;

/// <summary>
/// The storage requests of each uncontended operation, counted at the storage clients' pipeline: their latency floor
/// and their cost. Each is pinned, so a change that adds a round trip fails here and must say why.
/// </summary>
[Collection(SmsQueueCollection.Name)]
public sealed class StorageRoundTripTests(FaultAppFactory app, ITestOutputHelper output) : IClassFixture<FaultAppFactory>
{
    [Fact]
    public async Task A_totp_sign_in_takes_five_storage_requests_and_a_wrong_code_four()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var signIn = await app.StartSignInAsync(user.UserId);
        Assert.Equal(4, await CountAsync("totp wrong", () => app.AttemptAsync(signIn, "totp", "000000"), HttpStatusCode.UnprocessableEntity));
        Assert.Equal(5, await CountAsync("totp success", () => app.AttemptAsync(signIn, "totp", app.TotpCode(user.TotpSecret))));
    }

    [Fact]
    public async Task A_backup_code_sign_in_takes_five_storage_requests()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var signIn = await app.StartSignInAsync(user.UserId);
        Assert.Equal(5, await CountAsync("backup_code success", () => app.AttemptAsync(signIn, "backup_code", user.BackupCodes[0])));
    }

    [Fact]
    public async Task A_phone_code_sign_in_takes_six_storage_requests()
    {
        var (userId, number) = await app.UserWithSecondFactorPhoneAsync();
        var signIn = await app.StartSignInAsync(userId);
        await app.ClientWithToken(signIn.ClientToken).PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", new { strategy = "phone_code" });
        var code = await app.NextCodeAsync(number);
        Assert.Equal(6, await CountAsync("phone_code success", () => app.AttemptAsync(signIn, "phone_code", code)));
    }

    [Fact]
    public async Task Enrolment_and_the_me_routes_take_few_storage_requests()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        Assert.Equal(1, await CountAsync("GET /v1/me", () => client.GetAsync("/v1/me")));
        var secret = string.Empty;
        Assert.Equal(3, await CountAsync("POST /v1/me/totp", async () =>
        {
            var response = await client.PostAsync("/v1/me/totp", null);
            secret = (await response.JsonAsync()).GetProperty("secret").GetString()!;
            return response;
        }));
        Assert.Equal(3, await CountAsync("POST /v1/me/totp/attempt_verification", () => client.PostJsonAsync("/v1/me/totp/attempt_verification", new { code = app.TotpCode(secret) })));
        Assert.Equal(3, await CountAsync("POST /v1/me/backup_codes", () => client.PostAsync("/v1/me/backup_codes", null)));
        Assert.Equal(3, await CountAsync("POST /v1/me/phone_numbers", () => client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = TestNumbers.NewUs() })));
    }

    [Fact]
    public async Task The_app_counts_its_own_storage_requests_on_each_invocation_span()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var signIn = await app.StartSignInAsync(user.UserId);
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == Functions.Hosting.MfaTelemetry.SourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        // A trace of its own, so the span is this invocation's whatever else runs at the same time.
        var trace = System.Diagnostics.ActivityTraceId.CreateRandom();
        var counted = await CountAsync("backup_code success", () =>
        {
            var client = app.ClientWithToken(signIn.ClientToken);
            client.DefaultRequestHeaders.Add("traceparent", $"00-{trace}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01");
            return client.PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/attempt_second_factor", new { strategy = "backup_code", code = user.BackupCodes[1] });
        });

        var span = Assert.Single(spans, s => s.TraceId == trace);
        Assert.Equal("AttemptSignInSecondFactor", span.GetTagItem("faas.name"));
        Assert.Equal(counted, span.GetTagItem("mfa.storage.requests"));
    }

    private async Task<int> CountAsync(string operation, Func<Task<HttpResponseMessage>> act, HttpStatusCode expected = HttpStatusCode.OK)
    {
        app.Faults.Count();
        var response = await act();
        var requests = app.Faults.Requests;
        app.Faults.Disarm();
        Assert.True(response.StatusCode == expected, $"{operation}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        output.WriteLine($"{operation}: {requests} storage requests");
        return requests;
    }
}

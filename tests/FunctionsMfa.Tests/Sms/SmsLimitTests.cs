using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Sms;

[Collection(SmsQueueCollection.Name)]
public sealed class SmsLimitTests(PhoneAppFactory app) : IClassFixture<PhoneAppFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => app.ClearSmsQueueAsync();

    public Task DisposeAsync() => app.ClearSmsQueueAsync();

    private (HttpClient Client, string UserId) NewUser()
    {
        var userId = Wire.NewUserId();
        return (app.ClientWithToken(app.SessionToken(userId, null)), userId);
    }

    private Task<HttpResponseMessage> PrepareAsync(HttpClient client, string id) =>
        client.PostAsync($"/v1/me/phone_numbers/{id}/prepare_verification", null);

    private static async Task<int> RetryAfterAsync(HttpResponseMessage response)
    {
        var error = await response.ErrorAsync(429, "too_many_requests");
        var header = int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(header, error.GetProperty("meta").GetProperty("retry_after_seconds").GetInt32());
        return header;
    }

    [Fact]
    public async Task Sends_to_one_number_are_at_least_thirty_seconds_apart()
    {
        var (client, _) = NewUser();
        var id = (await client.AddAsync(TestNumbers.NewUs())).GetProperty("id").GetString()!;
        await client.PrepareAsync(id);

        Assert.Equal(30, await RetryAfterAsync(await PrepareAsync(client, id)));
        app.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(1, await RetryAfterAsync(await PrepareAsync(client, id)));
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await client.PrepareAsync(id);
    }

    [Fact]
    public async Task At_most_five_sends_go_to_one_number_in_an_hour()
    {
        var userId = Wire.NewUserId();
        HttpClient Client() => app.ClientWithToken(app.SessionToken(userId, null));
        var id = (await Client().AddAsync(TestNumbers.NewUs())).GetProperty("id").GetString()!;
        for (var i = 0; i < 5; i++)
        {
            await Client().PrepareAsync(id);
            app.Time.Advance(TimeSpan.FromSeconds(60));
        }

        // The first send was 5 minutes ago: the window frees it in 55 minutes.
        Assert.Equal(55 * 60, await RetryAfterAsync(await PrepareAsync(Client(), id)));
        app.Time.Advance(TimeSpan.FromMinutes(55) - TimeSpan.FromSeconds(1));
        Assert.Equal(1, await RetryAfterAsync(await PrepareAsync(Client(), id)));
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await Client().PrepareAsync(id);
    }

    [Fact]
    public async Task At_most_ten_sends_go_to_one_user_in_a_day()
    {
        var userId = Wire.NewUserId();
        HttpClient Client() => app.ClientWithToken(app.SessionToken(userId, null));
        var ids = new List<string>();
        for (var n = 0; n < 3; n++)
        {
            ids.Add((await Client().AddAsync(TestNumbers.NewUs())).GetProperty("id").GetString()!);
        }

        for (var i = 0; i < 10; i++)
        {
            await Client().PrepareAsync(ids[i % 2]);
            app.Time.Advance(TimeSpan.FromMinutes(1));
        }

        // Ten sends in the last 10 minutes; a third, fresh number is refused too, until the first send is a day old.
        Assert.Equal((int)(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(10)).TotalSeconds, await RetryAfterAsync(await PrepareAsync(Client(), ids[2])));
        app.Time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(10));
        await Client().PrepareAsync(ids[2]);
    }

    [Fact]
    public async Task Limits_hold_when_many_requests_race_for_one_number()
    {
        var (client, _) = NewUser();
        var id = (await client.AddAsync(TestNumbers.NewUs())).GetProperty("id").GetString()!;
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => PrepareAsync(client, id)));
        Assert.Equal(1, responses.Count(r => r.IsSuccessStatusCode));
        Assert.All(responses.Where(r => !r.IsSuccessStatusCode), r => Assert.Equal(429, (int)r.StatusCode));
    }
}

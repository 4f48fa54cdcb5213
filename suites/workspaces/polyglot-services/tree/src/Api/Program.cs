using Acme.Billing.Api.Controllers;
using Acme.Billing.Data;
using Acme.Billing.Reports;
using Microsoft.EntityFrameworkCore;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddDbContext<BillingDbContext>(o => o.UseNpgsql(builder.Configuration.GetConnectionString("Billing")));
builder.Services.AddScoped<ReportService>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddScoped<IInvoiceMailer, SmtpInvoiceMailer>();
builder.Services.AddControllers().AddApplicationPart(typeof(ReportsController).Assembly);
builder.Services.AddAuthentication().AddJwtBearer();
builder.Services.AddAuthorizationBuilder().AddPolicy("finance", p => p.RequireRole("finance"));

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapControllers();
app.Run();

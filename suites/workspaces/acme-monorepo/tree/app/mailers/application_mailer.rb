class ApplicationMailer < ActionMailer::Base
  default from: "billing@acme.dev"
  layout "mailer"
end

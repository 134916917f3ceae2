// The console's routes. Without a session only the public pages answer
// (sign in, sign up and the pages of the links the API mails); every other
// route sends to sign-in and comes back after.
import { Navigate, Route, Routes, useLocation, useSearchParams } from 'react-router';

import { ActivityReporter } from './activity';
import { useAuth } from './auth';
import { Layout } from './components/Layout';
import { useT } from './i18n';
import { common } from './i18n/common';
import { AcceptInvitationPage, ConfirmEmailPage, ResetPasswordPage, VerifyEmailPage } from './pages/links';
import { AuditPage } from './pages/Audit';
import { DevicesPage } from './pages/Devices';
import { DirectoryPage } from './pages/Directory';
import { InvitationsPage } from './pages/Invitations';
import { InvitePage } from './pages/Invite';
import { MemberPage } from './pages/Member';
import { ProfilePage } from './pages/Profile';
import { SignInPage, SignUpPage } from './pages/SignIn';
import { ViewerProvider } from './viewer';

// Pages anyone may open, signed in or not.
function linkRoutes() {
  return (
    <>
      <Route path="accept-invitation" element={<AcceptInvitationPage />} />
      <Route path="reset-password" element={<ResetPasswordPage />} />
      <Route path="confirm-email" element={<ConfirmEmailPage />} />
      <Route path="verify-email" element={<VerifyEmailPage />} />
    </>
  );
}

// SignedInAlready: /signin with a session goes where sign-in was headed
// (?next=, a path of the console only), else to the directory. Signing in
// renders this before the sign-in page's own navigation lands.
function SignedInAlready() {
  const [params] = useSearchParams();
  const next = params.get('next');
  return <Navigate to={next && next.startsWith('/') && !next.startsWith('//') ? next : '/members'} replace />;
}

export function App() {
  const { token } = useAuth();
  const location = useLocation();
  const t = useT(common);
  if (!token) {
    const next = location.pathname + location.search;
    return (
      <Routes>
        <Route path="signin" element={<SignInPage />} />
        <Route path="signup" element={<SignUpPage />} />
        {linkRoutes()}
        <Route path="*" element={<Navigate to={`/signin${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`} replace />} />
      </Routes>
    );
  }
  return (
    <>
      <ActivityReporter />
      <Routes>
        {linkRoutes()}
        <Route path="signin" element={<SignedInAlready />} />
        <Route path="signup" element={<Navigate to="/members" replace />} />
        <Route
          path="*"
          element={
            <ViewerProvider fallback={<p className="page-loading" role="status">{t('loading')}</p>}>
              <Layout>
                <Routes>
                  <Route index element={<Navigate to="/members" replace />} />
                  <Route path="members" element={<DirectoryPage />} />
                  <Route path="members/:userId" element={<MemberPage />} />
                  <Route path="invite" element={<InvitePage />} />
                  <Route path="invitations" element={<InvitationsPage />} />
                  <Route path="profile" element={<ProfilePage />} />
                  <Route path="devices" element={<DevicesPage />} />
                  <Route path="audit" element={<AuditPage />} />
                  <Route path="*" element={<Navigate to="/members" replace />} />
                </Routes>
              </Layout>
            </ViewerProvider>
          }
        />
      </Routes>
    </>
  );
}

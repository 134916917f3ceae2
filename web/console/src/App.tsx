// The console's routes. Without a session only the public pages answer
// (sign in, sign up and the pages of the links the API mails); every other
// route sends to sign-in and comes back after.
import type { ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation, useSearchParams } from 'react-router';

import { ActivityReporter } from './activity';
import { useAuth } from './auth';
import { Layout } from './components/Layout';
import { LanguageSelect } from './components/ui';
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

// Public frames a page shown outside the signed-in layout, with the
// language choice in a corner.
function Public({ children }: { children: ReactNode }) {
  return (
    <>
      <div className="lang-corner">
        <LanguageSelect />
      </div>
      {children}
    </>
  );
}

// Pages anyone may open, signed in or not.
function linkRoutes() {
  return (
    <>
      <Route path="accept-invitation" element={<Public><AcceptInvitationPage /></Public>} />
      <Route path="reset-password" element={<Public><ResetPasswordPage /></Public>} />
      <Route path="confirm-email" element={<Public><ConfirmEmailPage /></Public>} />
      <Route path="verify-email" element={<Public><VerifyEmailPage /></Public>} />
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
        <Route path="signin" element={<Public><SignInPage /></Public>} />
        <Route path="signup" element={<Public><SignUpPage /></Public>} />
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
